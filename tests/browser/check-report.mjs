#!/usr/bin/env node
// Opens Backstop HTML reports in a headless Chromium and checks them:
//   - nothing is loaded but the file itself (every other request is aborted and is a failure),
//     and there is no console error or warning and no uncaught page error;
//   - every chart (<svg> not inside another, <canvas>) has a non-zero width and height and
//     draws something;
//   - every element with data-key carries, in data-value, exactly the value at that dotted path
//     of the JSON file the page names (<meta name="backstop-data">, relative to the page);
//   - a click on a header of each sortable table sorts it ascending, a second click descending,
//     and the rows' order changes; a click on each legend button hides its series, a second
//     shows it again.
//
// Usage: node tests/browser/check-report.mjs REPORT.html [REPORT.html ...]
// Prints one line per report; exits 0 if every report passes, 1 with every problem found
// otherwise, 2 if the browser cannot be started (run scripts/install-tools.sh).
// BACKSTOP_CHROMIUM overrides the browser (default: tools/browser/chromium/chromium, which
// scripts/install-tools.sh unpacks from @sparticuz/chromium); puppeteer-core is loaded from
// tools/browser/node_modules.

import { createRequire } from "node:module";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const INSTALL = "run scripts/install-tools.sh";
// Hang guards only (a report opens in well under a second): never a pass/fail budget.
const TIMEOUT_MS = 300_000;

function setupError(message) {
  console.error(`check-report: ${message}`);
  process.exit(2);
}

const reports = process.argv.slice(2);
if (reports.length === 0) {
  console.error("usage: node tests/browser/check-report.mjs REPORT.html [REPORT.html ...]");
  process.exit(2);
}

const chromium = process.env.BACKSTOP_CHROMIUM || join(ROOT, "tools/browser/chromium/chromium");
if (!existsSync(chromium)) {
  setupError(`no Chromium at ${chromium}: ${INSTALL} (or set BACKSTOP_CHROMIUM)`);
}
let puppeteer;
try {
  puppeteer = createRequire(join(ROOT, "tools/browser/package.json"))("puppeteer-core");
} catch (e) {
  setupError(`puppeteer-core is not installed in tools/browser/node_modules: ${INSTALL} (${e.message})`);
}

/// The value at a dotted path (`metrics.x.mean`, `points.3.values.0`) of `json`, or `undefined`.
function at(json, key) {
  let v = json;
  for (const part of key.split(".")) {
    if (v === null || typeof v !== "object" || !Object.prototype.hasOwnProperty.call(v, part)) {
      return undefined;
    }
    v = v[part];
  }
  return v;
}

function same(a, b) {
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") {
    return a === b;
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

/// The sort key of a cell, as the report's script reads it: data-sort, data-value, or the text;
/// a number when it is one.
const SORT_KEY = `(cell) => {
  const raw = cell.dataset.sort ?? cell.dataset.value ?? cell.textContent.trim();
  const n = Number(raw);
  return raw !== "" && raw !== "null" && Number.isFinite(n) ? n : raw;
}`;

async function checkReport(browser, file) {
  const problems = [];
  const path = resolve(file);
  if (!existsSync(path)) {
    return { problems: [`${path} does not exist`] };
  }
  const url = pathToFileURL(path).href;
  const page = await browser.newPage();
  page.setDefaultTimeout(TIMEOUT_MS);
  page.setDefaultNavigationTimeout(TIMEOUT_MS);
  await page.setRequestInterception(true);
  page.on("request", (req) => {
    if (req.url() === url) {
      req.continue();
    } else {
      problems.push(`request to ${req.url()} (a report loads nothing but itself)`);
      req.abort();
    }
  });
  page.on("requestfailed", (req) => {
    if (req.url() === url) problems.push(`the report itself failed to load: ${req.failure()?.errorText}`);
  });
  page.on("console", (msg) => {
    if (["error", "warn", "warning", "assert"].includes(msg.type())) {
      problems.push(`console ${msg.type()}: ${msg.text()}`);
    }
  });
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));

  await page.goto(url, { waitUntil: "load" });

  // The numbers against the JSON the page names.
  const dataFile = await page.$eval('meta[name="backstop-data"]', (m) => m.content).catch(() => null);
  let values = 0;
  if (!dataFile) {
    problems.push('no <meta name="backstop-data"> naming the JSON file');
  } else {
    const jsonPath = resolve(dirname(path), dataFile);
    let json;
    try {
      json = JSON.parse(readFileSync(jsonPath, "utf8"));
    } catch (e) {
      problems.push(`cannot read ${jsonPath}: ${e.message}`);
    }
    if (json !== undefined) {
      const marked = await page.$$eval("[data-key]", (els) =>
        els.map((e) => ({ key: e.getAttribute("data-key"), value: e.getAttribute("data-value") })));
      for (const { key, value } of marked) {
        const want = at(json, key);
        let got;
        try {
          got = JSON.parse(value);
        } catch {
          problems.push(`${key}: data-value ${JSON.stringify(value)} is not JSON`);
          continue;
        }
        if (want === undefined) {
          problems.push(`${key}: not in ${dataFile}`);
        } else if (!same(got, want)) {
          problems.push(`${key}: the page says ${value}, ${dataFile} has ${JSON.stringify(want)}`);
        }
      }
      values = marked.length;
      if (values === 0) problems.push(`no number is marked with data-key`);
    }
  }

  // Charts: a size, and something drawn.
  const charts = await page.$$eval("svg, canvas", (els) =>
    els.filter((e) => !e.parentElement.closest("svg")).map((e) => {
      // The drawing area: the box less its borders and padding.
      const r = e.getBoundingClientRect();
      const s = getComputedStyle(e);
      const px = (...names) => names.reduce((a, n) => a + (parseFloat(s[n]) || 0), 0);
      const width = r.width - px("borderLeftWidth", "borderRightWidth", "paddingLeft", "paddingRight");
      const height = r.height - px("borderTopWidth", "borderBottomWidth", "paddingTop", "paddingBottom");
      const drawn = e.tagName.toLowerCase() === "canvas"
        ? 1 : e.querySelectorAll("polyline, path, rect, circle, line, text").length;
      return { what: e.getAttribute("aria-label") || e.tagName, width, height, drawn };
    }));
  for (const c of charts) {
    if (!(c.width > 0 && c.height > 0)) problems.push(`chart "${c.what}" is ${c.width}×${c.height}`);
    if (c.drawn === 0) problems.push(`chart "${c.what}" draws nothing`);
  }
  if (charts.length === 0) problems.push("no chart on the page");

  // Sorting: click a header whose column has two different keys, twice.
  const tables = await page.$$("table.sortable");
  let sorted = 0;
  for (const [t, table] of tables.entries()) {
    const keys = await table.evaluate((tbl, key) => {
      const f = eval(key);
      const rows = Array.from(tbl.tBodies[0].rows);
      const n = tbl.tHead.rows[0].cells.length;
      return Array.from({ length: n }, (_, c) => rows.map((r) => f(r.cells[c])));
    }, SORT_KEY);
    const col = keys.findIndex((k) => new Set(k.map(String)).size > 1);
    if (col < 0) continue;
    const state = () => table.evaluate((tbl, key, c) => {
      const f = eval(key);
      const rows = Array.from(tbl.tBodies[0].rows);
      return { order: rows.map((r) => r.textContent), keys: rows.map((r) => f(r.cells[c])) };
    }, SORT_KEY, col);
    const ordered = (ks, dir) => ks.every((k, i) => {
      if (i === 0) return true;
      const [a, b] = [ks[i - 1], k];
      const c = typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b));
      return dir * c <= 0;
    });
    const header = (await table.$$("thead th"))[col];
    const name = (await header.evaluate((th) => th.textContent)).trim();
    await header.click();
    const asc = await state();
    await header.click();
    const desc = await state();
    if (!ordered(asc.keys, 1)) problems.push(`table ${t}: a click on "${name}" did not sort it ascending`);
    if (!ordered(desc.keys, -1)) problems.push(`table ${t}: a second click on "${name}" did not sort it descending`);
    if (asc.order.join("\n") === desc.order.join("\n")) {
      problems.push(`table ${t}: clicking "${name}" does not change the rows' order`);
    }
    sorted += 1;
  }
  if (tables.length > 0 && sorted === 0) problems.push("no sortable table has a column to sort by");

  // Series toggles.
  const buttons = await page.$$("button[data-series]");
  for (const button of buttons) {
    const shown = () => button.evaluate((b) => {
      const chart = document.getElementById(b.dataset.chart);
      const gs = chart ? Array.from(chart.querySelectorAll(`g[data-series="${b.dataset.series}"]`)) : [];
      return { series: b.dataset.series, n: gs.length, visible: gs.filter((g) => getComputedStyle(g).display !== "none").length };
    });
    const before = await shown();
    if (before.n === 0) {
      problems.push(`legend button "${before.series}" controls no series`);
      continue;
    }
    await button.click();
    const hidden = await shown();
    await button.click();
    const again = await shown();
    if (before.visible !== before.n) problems.push(`series "${before.series}" is hidden at first`);
    if (hidden.visible !== 0) problems.push(`a click on "${before.series}" did not hide it`);
    if (again.visible !== again.n) problems.push(`a second click on "${before.series}" did not show it again`);
  }

  await page.close();
  return { problems, values, charts: charts.length, sorted, toggles: buttons.length };
}

const profile = mkdtempSync(join(tmpdir(), "backstop-chromium-"));
let browser;
try {
  browser = await puppeteer.launch({
    executablePath: chromium,
    headless: "shell",
    userDataDir: profile,
    timeout: TIMEOUT_MS,
    protocolTimeout: TIMEOUT_MS,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
} catch (e) {
  rmSync(profile, { recursive: true, force: true });
  setupError(`cannot start ${chromium}: ${e.message} (${INSTALL})`);
}

let failed = 0;
try {
  for (const file of reports) {
    const r = await checkReport(browser, file);
    if (r.problems.length === 0) {
      console.log(`ok ${file}: ${r.values} values match, ${r.charts} charts, ${r.sorted} tables sorted, ${r.toggles} series toggled`);
    } else {
      failed += 1;
      console.log(`FAILED ${file}:`);
      for (const p of r.problems) console.log(`  ${p}`);
    }
  }
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failed === 0 ? 0 : 1);
