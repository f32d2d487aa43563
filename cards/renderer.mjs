// Render Adaptive Cards the way a real client does: Microsoft's JS SDK (npm adaptivecards 3.0.6) in
// headless Debian Chromium, driven by playwright-core. Fully offline: every request the page makes
// is aborted (and reported), and all content is injected from local files.
//
// Job (JSON, from the file named by the first argument, or from stdin):
//   {"cards": [{"name": str, "host": "teams"|"outlook", "card": {...}}], "png_dir": str|null, "width": 500}
// Report (JSON, on stdout), one entry per card, in order:
//   [{"name": str, "events": [{"phase", "event", "message"}], "rendered": bool, "png": str|null}]
// Exit 0 whenever the job ran, events or not (the caller judges); exit 2 for a bad job or a
// browser that would not start (reason on stderr).
//
// Per host: the card is parsed with a SerializationContext at min(card version, host maximum)
// (Teams 1.5, Outlook 1.4), so newer elements come back as UnknownElementType / UnknownActionType,
// and a card newer than the host gives UnsupportedCardVersion. Outlook mimics the designer's
// OutlookContainer: Action.Submit unregistered, Action.Http registered, Action.Execute kept
// (Universal Actions work in Outlook), and the card must carry an `originator`.
// Host configs and CSS are copies from adaptivecards-designer 2.4.4 in ./hostconfigs (MIT).
// Needs: npm ci in the repo root (adaptivecards, markdown-it, playwright-core) and /usr/bin/chromium.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { failWith, launchChromium, readJobJson } from "./headless.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url); // resolves from cards/ up to the repo's node_modules
const PAD = 12; // around the card in screenshots

const fail = failWith("renderer.mjs");

function readJob() {
  const job = readJobJson(fail);
  if (!job || !Array.isArray(job.cards)) fail('the job needs a "cards" list');
  const width = job.width ?? 500;
  if (!Number.isInteger(width) || width < 100 || width > 2000) fail(`bad width ${JSON.stringify(width)}`);
  return { cards: job.cards, pngDir: job.png_dir ?? null, width };
}

function hostFiles() {
  const read = (name) => fs.readFileSync(path.join(HERE, "hostconfigs", name), "utf8");
  return {
    teams: {
      maxVersion: "1.5",
      config: JSON.parse(read("microsoft-teams-light.json")),
      css: read("teams-container-light.css"),
      frameClass: "teams-card",
      background: "#F6F6F6", // the designer's Teams light background
    },
    outlook: {
      maxVersion: "1.4",
      config: JSON.parse(read("outlook-desktop.json")),
      // The designer draws the ShowCard chevron with the FabricMDL2Icons font, which is not here.
      css:
        read("outlook-container.css") +
        '\n.ac-pushButton.expandable:after{font-family:inherit;content:"\\25BE"}' +
        '\n.ac-pushButton.expandable.expanded:after{content:"\\25B4"}\n',
      frameClass: "outlook-frame",
      background: "#FFFFFF",
    },
  };
}

// Runs inside the page, once: keeps the host settings where every card can reach them.
function installHosts(hosts) {
  window.__hosts = hosts;
}

// Runs inside the page, once per card: resets the page, then parses, validates and renders.
function renderInPage({ name, host, payload, width, pad }) {
  const AC = window.AdaptiveCards;
  const settings = window.__hosts[host];
  const events = [];
  const named = (e) => ({
    phase: AC.ValidationPhase[e.phase] ?? String(e.phase),
    event: AC.ValidationEvent[e.event] ?? String(e.event),
    message: e.message,
  });

  // Reset: fresh host element, this host's stylesheet and background.
  document.getElementById("host-css").textContent = settings.css;
  document.body.style.background = settings.background;
  const frame = document.getElementById("frame");
  frame.replaceChildren();
  frame.style.padding = `${pad}px`;
  frame.style.width = "fit-content";
  const cardHost = document.createElement("div");
  cardHost.id = "card";
  cardHost.className = settings.frameClass;
  cardHost.style.width = `${width}px`;
  frame.appendChild(cardHost);

  const hostMax = AC.Version.parse(settings.maxVersion, new AC.SerializationContext());
  AC.SerializableObject.defaultMaxVersion = hostMax; // card version > host max => UnsupportedCardVersion
  AC.GlobalSettings.useMarkdownInRadioButtonAndCheckbox = host !== "outlook"; // as the designer does
  const declared =
    payload && typeof payload.version === "string"
      ? AC.Version.parse(payload.version, new AC.SerializationContext())
      : undefined;
  const target = declared && declared.isValid && declared.compareTo(hostMax) < 0 ? declared : hostMax;
  const ctx = new AC.SerializationContext(target);
  if (host === "outlook") {
    const actions = new AC.CardObjectRegistry();
    AC.GlobalRegistry.defaultActions.copyTo(actions);
    actions.unregister("Action.Submit");
    actions.register("Action.Http", AC.HttpAction);
    ctx.setActionRegistry(actions);
  }

  // The SDK checks "lang" with a /g regex, whose lastIndex survives between parses; in a reused page
  // every second card would get a false InvalidPropertyValue. Reset it, as a fresh page would have it.
  const langRegEx = AC.CardElement.langProperty && AC.CardElement.langProperty.regEx;
  if (langRegEx) langRegEx.lastIndex = 0;

  const card = new AC.AdaptiveCard();
  card.hostConfig = new AC.HostConfig(settings.config);
  card.parse(payload, ctx);
  for (let i = 0; i < ctx.eventCount; i++) events.push(named(ctx.getEventAt(i)));
  for (const e of card.validateProperties().validationEvents) events.push(named(e));
  if (host === "outlook" && !(payload && typeof payload.originator === "string" && payload.originator.trim())) {
    events.push({
      phase: "Validation",
      event: "MissingOriginator",
      message: "Outlook Actionable Message: 'originator' is missing (required for cards sent by email)",
    });
  }
  const el = card.render();
  if (el) cardHost.appendChild(el);
  return { events, rendered: !!el, target: target.toString(), name };
}

async function main() {
  const job = readJob();
  const hosts = hostFiles();
  if (job.pngDir) fs.mkdirSync(job.pngDir, { recursive: true });

  const browser = await launchChromium(fail);

  const reports = [];
  try {
    const page = await browser.newPage({
      viewport: { width: job.width + 2 * PAD + 40, height: 800 },
      deviceScaleFactor: 1,
    });
    // Page-level trouble lands in whichever bucket is current: setup, then each card in turn.
    const setupEvents = [];
    let bucket = setupEvents;
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") {
        bucket.push({ phase: "Page", event: `Console${m.type() === "error" ? "Error" : "Warning"}`, message: m.text() });
      }
    });
    page.on("pageerror", (e) => bucket.push({ phase: "Page", event: "PageError", message: e.message }));
    await page.route("**/*", (route) => {
      bucket.push({ phase: "Page", event: "BlockedRequest", message: route.request().url() });
      return route.abort();
    });
    await page.setContent(
      '<!doctype html><html><head><meta charset="utf-8"><style id="host-css"></style>' +
        "<style>body{margin:0}</style></head><body><div id=\"frame\"></div></body></html>",
    );
    await page.addScriptTag({ path: require.resolve("markdown-it/dist/markdown-it.min.js") }); // window.markdownit
    await page.addScriptTag({ path: require.resolve("adaptivecards/dist/adaptivecards.min.js") }); // window.AdaptiveCards
    await page.evaluate(installHosts, hosts);

    for (const item of job.cards) {
      const events = [];
      bucket = events;
      const name = String(item && item.name);
      const report = { name, events, rendered: false, png: null };
      reports.push(report);
      if (!item || typeof item.name !== "string" || !item.name || path.basename(item.name) !== item.name) {
        events.push({ phase: "Job", event: "BadName", message: `card name ${JSON.stringify(item && item.name)} is not a plain file name` });
        continue;
      }
      if (!Object.hasOwn(hosts, item.host)) {
        events.push({ phase: "Job", event: "UnknownHost", message: `unknown host ${JSON.stringify(item.host)}; expected teams or outlook` });
        continue;
      }
      try {
        const result = await page.evaluate(renderInPage, {
          name, host: item.host, payload: item.card, width: job.width, pad: PAD,
        });
        events.push(...result.events);
        report.rendered = result.rendered;
        if (job.pngDir && result.rendered) {
          await page.evaluate(() => document.fonts.ready);
          const png = path.resolve(job.pngDir, `${name}.png`);
          await page.locator("#frame").screenshot({ path: png });
          report.png = png;
        }
      } catch (err) {
        events.push({ phase: "Page", event: "RendererError", message: err.message.split("\n")[0] });
      }
      await page.evaluate(() => 0); // round trip: console events raised by this card arrive before we move on
    }
    for (const report of reports) report.events.unshift(...setupEvents);
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(reports) + "\n");
}

await main();
