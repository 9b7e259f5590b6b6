import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/** Debian's Chromium, installed by .ci/run (`apt-get install chromium`). */
export const CHROMIUM = process.env.TOUCHPOINT_CHROMIUM ?? "/usr/bin/chromium";

/** Why browser tests cannot run here, or false: CI installs Chromium, so there they always run. */
export const noBrowser = existsSync(CHROMIUM)
  ? false
  : `Chromium not found at ${CHROMIUM} (install Debian's chromium, or set TOUCHPOINT_CHROMIUM)`;

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // The machine has no outside network: keep Chromium from trying to phone home at start.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
