import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { figure, htmlPage, inlineSvg, table } from "../../examples/reporting/html.js";
import { DEMOS, type ReportResult, runReport } from "../../examples/reporting/run.js";
import { QUICK as CHAR_QUICK, readFullRun } from "../../examples/reporting/sections/char-transformer.js";
import { QUICK as MNIST_QUICK } from "../../examples/reporting/sections/mnist.js";
import { QUICK as PTB_QUICK } from "../../examples/reporting/sections/ptb.js";
import { readRecord } from "../../examples/mnist/record.js";
import { QUICK as SEQ2SEQ_QUICK } from "../../examples/seq2seq/reverse.js";
import { linePlot } from "../../examples/svg.js";
import { internalWords } from "../support/internal-words.js";
import { findAll, parseXml, type XmlElement } from "./xml.js";

/** The page without its doctype (the one line of HTML that is not XML), parsed strictly. */
function parsePage(html: string): XmlElement {
  expect(html.startsWith("<!DOCTYPE html>\n")).toBe(true);
  return parseXml(html.slice("<!DOCTYPE html>\n".length));
}

const textOf = (e: XmlElement): string => e.text + e.children.map(textOf).join("");
const seriesPaths = (svg: XmlElement): XmlElement[] => findAll(svg, "path").filter((p) => p.attrs["class"] === "series");
const rowsOf = (t: XmlElement): string[][] => findAll(findAll(t, "tbody")[0] as XmlElement, "tr").map((tr) => tr.children.map(textOf));

describe("the report page writer", () => {
  it("escapes text, right-aligns numeric columns and inlines SVG without its XML declaration", () => {
    const svg = linePlot({ title: "a <b>", series: [{ label: "x & y", values: [1, 2] }] });
    const page = htmlPage({
      title: "t & <u>",
      intro: ["1 < 2"],
      sections: [{ id: "s", title: "S", description: "d", body: [table(["name", "value"], [["a&b", "1.5"], ["<c>", "—"]], "cap"), figure(svg, "fig", "f.svg")], seconds: 1.25 }],
      footer: "end",
    });
    const root = parsePage(page);
    expect(root.name).toBe("html");
    expect(findAll(root, "title")[0]?.text).toBe("t & <u>");
    const cells = findAll(root, "td");
    expect(cells.map(textOf)).toEqual(["a&b", "1.5", "<c>", "—"]);
    expect(cells.map((c) => c.attrs["class"])).toEqual([undefined, "num", undefined, "num"]);
    expect(inlineSvg(svg).startsWith("<svg")).toBe(true);
    expect(findAll(root, "svg")).toHaveLength(1);
    expect(findAll(root, "a").map((a) => a.attrs["href"])).toEqual(["#s", "f.svg"]);
    expect(() => parsePage(page.replace("</figure>", ""))).toThrow(/closes|unclosed/);
  });
});

describe("npm start's report, quick configurations", () => {
  let r: ReportResult;
  let root: XmlElement;
  const lines: string[] = [];
  const outDir = join(mkdtempSync(join(tmpdir(), "graphgrad-report-")), "report");
  beforeAll(async () => {
    r = await runReport({ quick: true, outDir, log: (l) => lines.push(l) });
    root = parsePage(readFileSync(r.page, "utf8"));
  }, 240_000);
  afterAll(() => rmSync(join(outDir, ".."), { recursive: true, force: true }));

  const section = (id: string): XmlElement => {
    const s = findAll(root, "section").find((e) => e.attrs["id"] === id);
    if (s === undefined) throw new Error(`no section '${id}'`);
    return s;
  };

  it("writes index.html, a well-formed page with one section per demo in order, each linked from the contents", () => {
    expect(r.page).toBe(join(outDir, "index.html"));
    expect(existsSync(r.page)).toBe(true);
    expect(root.name).toBe("html");
    expect(findAll(root, "section").map((s) => s.attrs["id"])).toEqual(["recipes", "iris", "dot", "ptb", "seq2seq", "mnist", "char-transformer"]);
    expect(DEMOS.map((d) => d.id)).toEqual(["recipes", "iris", "dot", "ptb", "seq2seq", "mnist", "char-transformer"]);
    const links = findAll(root, "ul")[0]?.children.map((li) => findAll(li, "a")[0]?.attrs["href"]);
    expect(links).toEqual(["#recipes", "#iris", "#dot", "#ptb", "#seq2seq", "#mnist", "#char-transformer"]);
    for (const s of findAll(root, "section")) {
      expect(findAll(s, "h2")).toHaveLength(1);
      expect(findAll(s, "table").length).toBeGreaterThan(0);
    }
    expect(textOf(root)).toContain("wasm backend");
  });

  it("speaks to readers: the page and the printed lines name what each program is, never the project's internal names", () => {
    expect(internalWords(textOf(root))).toEqual([]);
    expect(internalWords(lines.join("\n"))).toEqual([]);
  });

  it("the recipes table gives both recipes' final A in their ranges", () => {
    const [results] = findAll(section("recipes"), "table");
    const rows = rowsOf(results as XmlElement);
    expect(rows.map((row) => row[0])).toEqual(["regression", "classification"]);
    const finalA = rows.map((row) => Number(row[5]));
    expect(finalA[0]).toBeGreaterThan(9.3);
    expect(finalA[0]).toBeLessThan(10.3);
    expect(finalA[1]).toBeGreaterThan(-1.5);
    expect(finalA[1]).toBeLessThan(-0.5);
  });

  it("the iris section has the comparison table and the loss per epoch of each optimizer", () => {
    const s = section("iris");
    const rows = rowsOf(findAll(s, "table")[0] as XmlElement);
    expect(rows.map((row) => row[0])).toEqual(["SGD", "SGDM", "Adagrad", "RMSProp", "Adam"]);
    for (const row of rows) expect(Number(row[4])).toBeGreaterThanOrEqual(0);
    const [loss] = findAll(s, "svg");
    const paths = seriesPaths(loss as XmlElement);
    expect(paths).toHaveLength(5);
    for (const p of paths) expect((p.attrs["d"] ?? "").match(/[ML]/g)).toHaveLength(20); // 20 epochs, one point each
    expect(findAll(loss as XmlElement, "text").map((t) => t.text)).toEqual(expect.arrayContaining(["SGD", "SGDM", "Adagrad", "RMSProp", "Adam"]));
  });

  it("the dot section shows both decision boundaries, also written as files", () => {
    const svgs = findAll(section("dot"), "svg");
    const boundaries = svgs.filter((svg) => findAll(svg, "path").some((p) => p.attrs["class"] === "boundary"));
    expect(boundaries).toHaveLength(2);
    expect(boundaries.map((b) => findAll(b, "title")[0]?.text)).toEqual(["Without Regularization", "With Regularization (L2 0.03)"]);
    for (const name of ["dot-without-regularization.svg", "dot-with-l2.svg"]) {
      const file = join(outDir, name);
      expect(existsSync(file)).toBe(true);
      expect(parseXml(readFileSync(file, "utf8")).name).toBe("svg");
    }
  });

  it("the PTB section gives perplexity and words per second, and plots perplexity over the steps", () => {
    const s = section("ptb");
    const [run, valid] = findAll(s, "table").map(rowsOf);
    expect(run?.[0]?.[0]).toBe(String(PTB_QUICK.maxSteps));
    const [trainPpl, validPpl, wps] = [Number(run?.[0]?.[2]), Number(run?.[0]?.[3]), Number(run?.[0]?.[4])];
    // After a few steps from uniform ±0.1 weights the model is near (or, at lr 1.0, above) the
    // uniform guess over 10,000 words: finite, positive perplexities.
    for (const v of [trainPpl, validPpl, wps]) {
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeGreaterThan(0);
    }
    expect(valid?.map((row) => Number(row[0]))).toEqual([2, 4]);
    const plot = findAll(s, "svg")[0] as XmlElement;
    const paths = seriesPaths(plot);
    expect(paths).toHaveLength(3);
    expect((paths[0]?.attrs["d"] ?? "").match(/[ML]/g)).toHaveLength(PTB_QUICK.maxSteps); // a point per step
    expect((paths[2]?.attrs["d"] ?? "").match(/[ML]/g)).toHaveLength(2); // the validation points
  });

  it("the seq2seq section gives the held-out accuracy, reversals and loss curves", () => {
    const s = section("seq2seq");
    const [results, reversals] = findAll(s, "table").map(rowsOf);
    expect(results?.[0]?.slice(0, 3)).toEqual([String(SEQ2SEQ_QUICK.trainSize), String(SEQ2SEQ_QUICK.testSize), String(SEQ2SEQ_QUICK.epochs)]);
    expect(reversals).toHaveLength(8);
    const plots = findAll(s, "svg");
    expect(plots).toHaveLength(2);
    for (const p of plots) expect(seriesPaths(p)).toHaveLength(2);
  });

  it("the MNIST section gives the short run's held-out accuracy and the recorded full run, epoch by epoch", () => {
    const s = section("mnist");
    const [short, full] = findAll(s, "table").map(rowsOf);
    expect(short?.[0]?.slice(0, 4)).toEqual([String(MNIST_QUICK.trainLimit), String(MNIST_QUICK.testLimit), "1", String((MNIST_QUICK.trainLimit as number) / MNIST_QUICK.batchSize)]);
    expect(Number(short?.[0]?.[4]?.replace("%", ""))).toBeGreaterThan(10); // better than chance after 4 steps
    const recorded = readRecord();
    expect(full?.map((row) => row[4])).toEqual(recorded.history.map((e) => `${(100 * e.testAccuracy).toFixed(2)}%`));
    expect(textOf(s)).toContain(`held-out test accuracy ${(100 * recorded.testAccuracy).toFixed(2)}%`);
    expect(seriesPaths(findAll(s, "svg")[0] as XmlElement)).toHaveLength(2);
  });

  it("the character-level Transformer section gives the short run's and the stored full run's bits per character, their curves and samples", () => {
    const s = section("char-transformer");
    const [runs] = findAll(s, "table").map(rowsOf);
    expect(runs?.map((row) => row[0])).toEqual(["this short run", `full run, ${readFullRun().date} (stored)`]);
    expect(runs?.[0]?.[2]).toBe(String(CHAR_QUICK.steps));
    // Four steps from the initial values (about 7 bits at the first step, token embeddings being N(0, 1)): finite, far from trained.
    const short = Number(runs?.[0]?.[4]);
    expect(short).toBeGreaterThan(3.5);
    expect(short).toBeLessThan(6.5);
    expect(Number(runs?.[1]?.[4])).toBeLessThanOrEqual(2.5);
    const plots = findAll(s, "svg");
    expect(plots).toHaveLength(2);
    const [train, valid] = seriesPaths(plots[0] as XmlElement);
    expect((train?.attrs["d"] ?? "").match(/[ML]/g)).toHaveLength(CHAR_QUICK.steps);
    expect((valid?.attrs["d"] ?? "").match(/[ML]/g)).toHaveLength(CHAR_QUICK.steps / CHAR_QUICK.evalEvery);
    const samples = findAll(s, "pre").map(textOf);
    expect(samples).toHaveLength(2);
    expect(samples[0]).toMatch(/^the [^]{20}$/);
    expect(samples[1]).toBe(`${readFullRun().sample?.prompt}${readFullRun().sample?.text}`);
  });

  it("writes every plot as an SVG file beside the page, identical to the inlined one", () => {
    const svgFiles = r.files.filter((f) => f.endsWith(".svg"));
    expect(svgFiles.sort()).toEqual(["char-transformer-full.svg", "char-transformer-short.svg", "dot-mse.svg", "iris-accuracy.svg", "iris-loss.svg", "mnist-full-run-loss.svg", "ptb-perplexity.svg", "seq2seq-accuracy.svg", "seq2seq-loss.svg"]);
    const html = readFileSync(r.page, "utf8");
    for (const f of svgFiles) {
      const svg = readFileSync(join(outDir, f), "utf8");
      expect(html).toContain(inlineSvg(svg));
      expect(findAll(root, "a").some((a) => a.attrs["href"] === f)).toBe(true);
    }
  });

  it("prints each demo's header and progress, and a summary line per demo", () => {
    for (const [i, d] of DEMOS.entries()) expect(lines).toContain(`== ${i + 1}/7. ${d.title} ==`);
    expect(lines.some((l) => /^Step #100 A = /.test(l))).toBe(true); // the recipes' printout
    expect(lines.some((l) => /^Epoch: 1 Train Perplexity: /.test(l))).toBe(true); // the PTB seed's
    expect(r.summary).toHaveLength(7);
    expect(r.summary.map((l) => l.split(":")[0])).toEqual(["recipes", "iris", "dot", "ptb", "seq2seq", "mnist", "char-transformer"]);
    expect(r.sections.map((s) => s.seconds).every((t) => t > 0)).toBe(true);
  });
});
