import type { Survey } from "../catalog/catalog.js";
import { SURVEY_METRICS } from "./response.js";

export interface SurveyPageText {
  survey: Survey;
  language: string;
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );

/** The page's own words; English for languages without a translation. */
const WORDS: Record<string, Record<"send" | "comment" | "thanks" | "sorry" | "low" | "high", string>> = {
  en: {
    send: "Send",
    comment: "Anything you would like to add? (optional)",
    thanks: "Thank you! Your answer has been recorded.",
    sorry: "Sorry —",
    low: "Not at all",
    high: "Completely",
  },
  da: {
    send: "Send",
    comment: "Er der noget, du vil tilføje? (valgfrit)",
    thanks: "Tak! Dit svar er registreret.",
    sorry: "Beklager —",
    low: "Slet ikke",
    high: "Helt",
  },
};
const words = (language: string) => WORDS[language.split("-")[0]!] ?? WORDS.en!;

function shell(language: string, body: string): string {
  return `<!doctype html>
<html lang="${escapeHtml(language)}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Survey</title>
<style>
body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1f2933}
fieldset{border:0;padding:0;margin:1.5rem 0;display:flex;flex-wrap:wrap;gap:.4rem}
label.score{display:inline-flex;flex-direction:column;align-items:center;min-width:2.6rem;padding:.5rem;border:1px solid #9aa5b1;border-radius:.4rem;cursor:pointer}
label.score:has(input:checked){background:#1f6feb;color:#fff;border-color:#1f6feb}
textarea{width:100%;min-height:5rem}button{margin-top:1rem;padding:.6rem 1.4rem;font-size:1rem}
.ends{display:flex;justify-content:space-between;font-size:.85rem;color:#52606d}
</style></head><body>${body}</body></html>`;
}

/** The question with one button per score and a comment box; the signed link rides along hidden. */
export function surveyPage({ survey, language }: SurveyPageText, link: Record<string, string>): string {
  const { min, max } = SURVEY_METRICS[survey.metric];
  const w = words(language);
  const scores = Array.from({ length: max - min + 1 }, (_, i) => min + i)
    .map(
      (n) =>
        `<label class="score"><input type="radio" name="score" value="${n}" required><span>${n}</span></label>`,
    )
    .join("");
  const hidden = ["c", "e", "n", "s"]
    .map((k) => `<input type="hidden" name="${k}" value="${escapeHtml(link[k] ?? "")}">`)
    .join("");
  return shell(
    language,
    `<form method="post" action="${escapeHtml(survey.id)}">
<h1>${escapeHtml(survey.question[language]!)}</h1>
<fieldset>${scores}</fieldset>
<div class="ends"><span>${escapeHtml(w.low)}</span><span>${escapeHtml(w.high)}</span></div>
<p><label>${escapeHtml(w.comment)}<br><textarea name="comment" maxlength="2000"></textarea></label></p>
${hidden}<input type="hidden" name="lang" value="${escapeHtml(language)}">
<button type="submit">${escapeHtml(w.send)}</button>
</form>`,
  );
}

/** Thank-you, or why the answer could not be taken. */
export function answerPage({ language }: SurveyPageText, problem: string | null, thanked: boolean): string {
  const w = words(language);
  return shell(
    language,
    thanked
      ? `<h1>${escapeHtml(w.thanks)}</h1>`
      : `<h1>${escapeHtml(w.sorry)} ${escapeHtml(problem ?? "")}</h1>`,
  );
}
