// Open the service's pages as a person would, in headless Debian Chromium driven by playwright-core,
// and report what a test needs to judge them: axe-core's WCAG 2.0/2.1/2.2 A and AA violations, every
// request that tried to leave the machine (aborted), console errors, page errors and
// Content-Security-Policy violations, and whether the page is wider than the window.
//
// Job (JSON, from the file named by the first argument, or from stdin):
//   {"visits": [{"name": str, "width": 1280, "height": 900, "color_scheme": "light"|"dark",
//                "steps": [step, ...]}]}
// A step is one of:
//   {"goto": url}                                    open a loopback URL
//   {"click": {"role": "link"|"button", "name": str}} press the one element with that role and name
//   {"fill": {"label": str, "text": str}}            type into the one field with that label
//   {"check": true}                                  run axe-core and measure overflow, here
//   {"screenshot": {"path": str, "full_page": bool}} write a PNG of the page
//   {"tab_to": str}                                  press Tab until the element named so has focus
//   {"press": str}                                   press a key ("Enter") where the focus is
// Report (JSON, on stdout), one entry per visit, in order:
//   [{"name", "snapshots": [{"step", "url", "status", "method", "lang", "title", "text",
//      "violations": [{"id", "impact", "targets"}] | null, "incomplete": [id] | null,
//      "overflow": {"scroll_width", "client_width", "inner_width", "overflowing"} | null,
//      "focus_path": [{"name", "tag", "visible"}] | null, "png": str | null, "error": str | null}],
//     "outside_requests": [url], "console_errors": [str], "page_errors": [str],
//     "csp_violations": [{"directive", "blocked", "source"}]}]
// `focus_path` (after tab_to) is every element the Tab key reached, in order, and whether the page
// drew a focus indicator on it (an outline or a box shadow: WCAG 2.4.7).
// A visit stops at its first failing step (its snapshot carries the error). Exit 0 whenever the job
// ran (the caller judges); exit 2 for a bad job or a browser that would not start (reason on stderr).
// Every visit gets a fresh browser context (no cookies or cache carried over).
// Needs: npm ci in the repo root (playwright-core, axe-core) and /usr/bin/chromium (or $CHROMIUM).
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

import { failWith, launchChromium, readJobJson } from "../../cards/headless.mjs";

const require = createRequire(import.meta.url); // resolves up to the repo's node_modules
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"];
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);
const STEP_TIMEOUT_MS = 15000;
const MAX_TABS = 100;

const fail = failWith("page_check.mjs");

function readJob() {
  const job = readJobJson(fail);
  if (!job || !Array.isArray(job.visits)) fail('the job needs a "visits" list');
  for (const visit of job.visits) {
    const width = visit.width ?? 1280;
    const height = visit.height ?? 900;
    for (const [what, value] of [["width", width], ["height", height]]) {
      if (!Number.isInteger(value) || value < 200 || value > 4000) fail(`bad ${what} ${JSON.stringify(value)}`);
    }
    if (!Array.isArray(visit.steps) || visit.steps.length === 0) fail(`visit ${visit.name}: no steps`);
    visit.width = width;
    visit.height = height;
  }
  return job;
}

function isLoopback(url) {
  try {
    const parsed = new URL(url);
    return (parsed.protocol === "http:" || parsed.protocol === "https:") && LOOPBACK_HOSTS.has(parsed.hostname);
  } catch {
    return false;
  }
}

// Runs inside the page: what a reader sees, and how wide the document is against the window.
function readPage() {
  const root = document.documentElement;
  return {
    lang: root.getAttribute("lang"),
    title: document.title,
    text: document.body ? document.body.innerText : "",
    overflow: {
      scroll_width: root.scrollWidth,
      client_width: root.clientWidth,
      inner_width: window.innerWidth,
      overflowing: root.scrollWidth > window.innerWidth,
    },
  };
}

// Runs inside the page, after axe-core is injected. axe-core takes a page with no background of its
// own to be on white (dequelabs/axe-core#4608), but under `color-scheme: dark` the browser paints it
// on its dark canvas: the root is given the canvas colour it already shows ("Canvas", resolved in
// the page's own scheme), so axe measures the contrast the reader sees. Nothing on screen changes.
async function runAxe(tags) {
  const root = document.documentElement;
  const transparent = (el) => !el || getComputedStyle(el).backgroundColor === "rgba(0, 0, 0, 0)";
  if (transparent(root) && transparent(document.body)) root.style.backgroundColor = "Canvas";
  const result = await window.axe.run(document, {
    runOnly: { type: "tag", values: tags },
    resultTypes: ["violations", "incomplete"],
  });
  return {
    violations: result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => n.target.join(" ")),
    })),
    incomplete: result.incomplete.map((v) => v.id),
  };
}

// Runs inside the page: the focused element's name (as a reader hears it, near enough), its tag and
// whether a focus indicator is drawn on it.
function focusedElement() {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const label = el.labels && el.labels.length ? el.labels[0].innerText : "";
  const name = (el.getAttribute("aria-label") || label || el.innerText || el.value || "").trim();
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow !== "none";
  return { name: name.replace(/\s+/g, " "), tag: el.tagName.toLowerCase(), visible: outline || shadow };
}

function only(locator, what) {
  return locator.count().then((n) => {
    if (n !== 1) throw new Error(`${n} elements are ${what}`);
    return locator;
  });
}

async function runStep(page, step, state, axeSource) {
  const snapshot = {
    step: Object.keys(step)[0] ?? "?",
    url: null, status: null, method: null, lang: null, title: null, text: null,
    violations: null, incomplete: null, overflow: null, focus_path: null, png: null, error: null,
  };
  if (typeof step.goto === "string") {
    if (!isLoopback(step.goto)) throw new Error(`not a loopback URL: ${step.goto}`);
    await page.goto(step.goto, { waitUntil: "load", timeout: STEP_TIMEOUT_MS });
  } else if (step.click) {
    const { role, name } = step.click;
    const target = await only(page.getByRole(role, { name, exact: true }), `a ${role} named ${JSON.stringify(name)}`);
    await target.click({ timeout: STEP_TIMEOUT_MS });
    await page.waitForLoadState("load", { timeout: STEP_TIMEOUT_MS });
  } else if (step.fill) {
    const { label, text } = step.fill;
    const field = await only(page.getByLabel(label, { exact: true }), `labelled ${JSON.stringify(label)}`);
    await field.fill(text, { timeout: STEP_TIMEOUT_MS });
  } else if (step.check) {
    await page.evaluate(axeSource);
    const found = await page.evaluate(runAxe, AXE_TAGS);
    snapshot.violations = found.violations;
    snapshot.incomplete = found.incomplete;
  } else if (step.screenshot) {
    const png = path.resolve(step.screenshot.path);
    fs.mkdirSync(path.dirname(png), { recursive: true });
    await page.evaluate(() => document.fonts.ready);
    await page.screenshot({ path: png, fullPage: !!step.screenshot.full_page });
    snapshot.png = png;
  } else if (typeof step.tab_to === "string") {
    snapshot.focus_path = [];
    for (let presses = 0; ; presses++) {
      if (presses === MAX_TABS) throw new Error(`Tab never reached ${JSON.stringify(step.tab_to)}`);
      await page.keyboard.press("Tab");
      const focused = await page.evaluate(focusedElement);
      if (focused) snapshot.focus_path.push(focused);
      if (focused && focused.name === step.tab_to) break;
    }
  } else if (typeof step.press === "string") {
    // A key that submits a form or follows a link navigates: wait for the new page when it does.
    const navigated = page
      .waitForEvent("framenavigated", { predicate: (f) => f === page.mainFrame(), timeout: 2000 })
      .then(() => true, () => false);
    await page.keyboard.press(step.press);
    if (await navigated) await page.waitForLoadState("load", { timeout: STEP_TIMEOUT_MS });
  } else {
    throw new Error(`unknown step ${JSON.stringify(step)}`);
  }
  const seen = await page.evaluate(readPage);
  Object.assign(snapshot, {
    url: page.url(), status: state.status, method: state.method,
    lang: seen.lang, title: seen.title, text: seen.text,
  });
  if (step.check) snapshot.overflow = seen.overflow;
  return snapshot;
}

async function runVisit(browser, visit, axeSource) {
  const report = {
    name: String(visit.name ?? ""),
    snapshots: [],
    outside_requests: [],
    console_errors: [],
    page_errors: [],
    csp_violations: [],
  };
  const context = await browser.newContext({
    viewport: { width: visit.width, height: visit.height },
    deviceScaleFactor: 1,
    colorScheme: visit.color_scheme === "dark" ? "dark" : "light",
    locale: "en-US",
    serviceWorkers: "block",
  });
  try {
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (isLoopback(url)) return route.continue();
      report.outside_requests.push(url);
      return route.abort("blockedbyclient");
    });
    // The page's own CSP reports, raised before any of its content runs (init scripts and bindings
    // come from the browser protocol, not the page, so the policy does not apply to them).
    await context.exposeBinding("__reportCspViolation", (_source, violation) => {
      report.csp_violations.push(violation);
    });
    await context.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (e) => {
        window.__reportCspViolation({
          directive: e.effectiveDirective || e.violatedDirective,
          blocked: String(e.blockedURI),
          source: `${e.sourceFile}:${e.lineNumber}`,
        });
      });
    });
    const page = await context.newPage();
    const state = { status: null, method: null };
    page.on("response", (response) => {
      const request = response.request();
      if (request.isNavigationRequest() && request.frame() === page.mainFrame()) {
        state.status = response.status();
        state.method = request.method();
      }
    });
    page.on("console", (m) => {
      if (m.type() === "error") report.console_errors.push(m.text());
    });
    page.on("pageerror", (e) => report.page_errors.push(e.message));
    for (const step of visit.steps) {
      try {
        report.snapshots.push(await runStep(page, step, state, axeSource));
      } catch (err) {
        report.snapshots.push({
          step: Object.keys(step ?? {})[0] ?? "?", url: page.url(), status: state.status, method: state.method,
          lang: null, title: null, text: null, violations: null, incomplete: null, overflow: null,
          focus_path: null, png: null, error: err.message.split("\n")[0],
        });
        break;
      }
    }
    await page.evaluate(() => 0).catch(() => {}); // round trip: late console events arrive first
  } finally {
    await context.close();
  }
  return report;
}

async function main() {
  const job = readJob();
  const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
  const browser = await launchChromium(fail);
  const reports = [];
  try {
    for (const visit of job.visits) reports.push(await runVisit(browser, visit, axeSource));
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(reports) + "\n");
}

await main();
