// What the headless Chromium scripts here share (cards/renderer.mjs, tests/web/page_check.mjs): the
// browser and the flags that keep Chromium's own background connections (updates, sync, QUIC) from
// leaving the machine, the job read from a file or stdin, and a fatal error that exits 2.
import fs from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url); // resolves from cards/ up to the repo's node_modules
export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
// Also read by docs/email/make_preview.py, which runs Chromium without playwright.
export const CHROMIUM_ARGS = JSON.parse(
  fs.readFileSync(new URL("./chromium-flags.json", import.meta.url), "utf8"),
);

// A function that writes "SCRIPT: message" to stderr and exits 2 (a bad job, no browser).
export function failWith(script) {
  return (message) => {
    process.stderr.write(`${script}: ${message}\n`);
    process.exit(2);
  };
}

// The job: JSON from the file named by the first argument, or from stdin ("-" or no argument).
export function readJobJson(fail) {
  const source = process.argv[2] && process.argv[2] !== "-" ? process.argv[2] : 0; // 0 = stdin
  try {
    return JSON.parse(fs.readFileSync(source, "utf8"));
  } catch (err) {
    return fail(`cannot read the job: ${err.message}`);
  }
}

// Headless Chromium through playwright-core, or `fail` saying why it would not start.
export async function launchChromium(fail) {
  const { chromium } = require("playwright-core");
  try {
    return await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  } catch (err) {
    return fail(`cannot start ${CHROMIUM}: ${err.message}`);
  }
}
