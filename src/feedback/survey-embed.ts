/**
 * The embeddable survey widget, served at /s/embed.js:
 *
 *   <div id="tp-survey"></div>
 *   <script src="https://HOST/s/embed.js" data-survey="delivery_csat" data-write-key="WRITE_KEY"
 *           data-target="tp-survey" async></script>
 *
 * It reads the survey's definition, shows the question in the page's language, and records the answer
 * through the tracking API with the visitor's ids (Segment's analytics.js when present, else
 * `data-user-id`, else an anonymous id kept in localStorage), then thanks the visitor.
 */
export const EMBED_SCRIPT = `(function () {
  var me = document.currentScript;
  if (!me) return;
  var host = new URL(me.src).origin;
  var survey = me.getAttribute("data-survey");
  var key = me.getAttribute("data-write-key");
  var target = document.getElementById(me.getAttribute("data-target") || "tp-survey");
  if (!survey || !key || !target) return;
  function ids() {
    var a = window.analytics && window.analytics.user && window.analytics.user();
    var userId = (a && a.id && a.id()) || me.getAttribute("data-user-id") || null;
    var anonymousId = (a && a.anonymousId && a.anonymousId()) || null;
    if (!userId && !anonymousId) {
      try {
        anonymousId = localStorage.getItem("tp_anonymous_id");
        if (!anonymousId) { anonymousId = crypto.randomUUID(); localStorage.setItem("tp_anonymous_id", anonymousId); }
      } catch (e) { anonymousId = crypto.randomUUID(); }
    }
    return { userId: userId, anonymousId: anonymousId };
  }
  fetch(host + "/s/" + encodeURIComponent(survey) + "/definition.json").then(function (r) { return r.json(); }).then(function (def) {
    var langs = Object.keys(def.question);
    var want = (document.documentElement.lang || navigator.language || "en").toLowerCase();
    var lang = langs.filter(function (l) { return l.toLowerCase() === want || l.split("-")[0] === want.split("-")[0]; })[0] || langs[0];
    var box = document.createElement("form");
    var h = document.createElement("p"); h.textContent = def.question[lang]; box.appendChild(h);
    for (var n = def.min; n <= def.max; n++) {
      var b = document.createElement("button"); b.type = "button"; b.textContent = String(n); b.value = String(n);
      b.onclick = function (ev) { send(Number(ev.target.value)); };
      box.appendChild(b);
    }
    var comment = document.createElement("textarea"); comment.maxLength = 2000; box.appendChild(comment);
    target.appendChild(box);
    function send(score) {
      var who = ids();
      var properties = { survey_id: def.id, metric: def.metric, score: score, language: lang };
      if (comment.value.trim()) properties.comment = comment.value.trim();
      if (def.touchpoint) properties.touchpoint = def.touchpoint;
      fetch(host + "/v1/track", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Basic " + btoa(key + ":") },
        body: JSON.stringify({ event: "Survey Responded", userId: who.userId, anonymousId: who.anonymousId,
          properties: properties, context: { locale: lang, page: { url: location.href } } })
      }).then(function (r) {
        box.textContent = r.ok ? (lang.split("-")[0] === "da" ? "Tak for dit svar!" : "Thank you for your answer!") : "";
      });
    }
  });
})();
`;
