import { el, text } from "../svg.js";

/**
 * A small HTML writer for the report page, in the XML-compatible subset of HTML (every element
 * closed, attributes quoted, text escaped), so that the page is also well-formed XML: elements
 * are built with `el` from the SVG writer, and SVG pictures are inlined as they are.
 */

export interface Section {
  /** The element id (and anchor) of the section. */
  readonly id: string;
  readonly title: string;
  /** What the demo does, one paragraph. */
  readonly description: string;
  /** HTML fragments (tables, figures, paragraphs). */
  readonly body: readonly string[];
  readonly seconds: number;
}

export const paragraph = (s: string): string => el("p", {}, [text(s)]);

/** A table; cells are text (escaped); columns whose cells are all numbers are right-aligned. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[], caption?: string): string {
  const numeric = headers.map((_, c) => rows.length > 0 && rows.every((r) => /^[-+]?[\d.]+(e[-+]?\d+)?%?$|^—$/.test(r[c] ?? "")));
  const cell = (tag: "th" | "td", s: string, c: number): string => el(tag, numeric[c] === true ? { class: "num" } : {}, [text(s)]);
  const head = el("thead", {}, [el("tr", {}, headers.map((h, c) => cell("th", h, c)))]);
  const body = el("tbody", {}, rows.map((r) => el("tr", {}, headers.map((_, c) => cell("td", r[c] ?? "", c)))));
  return el("table", {}, [...(caption === undefined ? [] : [el("caption", {}, [text(caption)])]), head, body]);
}

/** An SVG document without its XML declaration, to place inside the page. */
export function inlineSvg(svg: string): string {
  return svg.replace(/^<\?xml[^?]*\?>\s*/, "").trim();
}

/** A picture with its caption and a link to the SVG file written beside the page. */
export function figure(svg: string, caption: string, file: string): string {
  return el("figure", {}, [inlineSvg(svg), el("figcaption", {}, [text(`${caption} `), el("a", { href: file }, [text(file)])])]);
}

const STYLE = [
  "body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45 }",
  "table { border-collapse: collapse; margin: 1em 0 }",
  "th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left }",
  "td.num, th.num { text-align: right; font-variant-numeric: tabular-nums }",
  "caption { text-align: left; font-weight: 600; padding-bottom: 0.3em }",
  "figure { display: inline-block; margin: 0.5em 1em 1em 0; vertical-align: top }",
  "figcaption { font-size: 0.9em; color: #555 }",
  "section { border-top: 1px solid #ddd; margin-top: 2em }",
  "pre { background: #f6f6f6; padding: 0.6em; overflow-x: auto }",
  ".muted { color: #666; font-size: 0.9em }",
].join("\n");

/** The whole page: a title, an introduction, a table of contents and the sections. */
export function htmlPage(o: { readonly title: string; readonly intro: readonly string[]; readonly sections: readonly Section[]; readonly footer: string }): string {
  const toc = el("ul", {}, o.sections.map((s) => el("li", {}, [el("a", { href: `#${s.id}` }, [text(s.title)]), text(` (${s.seconds.toFixed(1)} s)`)])));
  const sections = o.sections.map((s) =>
    el("section", { id: s.id }, [el("h2", {}, [text(s.title)]), paragraph(s.description), ...s.body, el("p", { class: "muted" }, [text(`${s.seconds.toFixed(1)} s`)])]),
  );
  const head = el("head", {}, [el("meta", { charset: "utf-8" }), el("title", {}, [text(o.title)]), el("style", {}, [STYLE])]);
  const body = el("body", {}, [el("h1", {}, [text(o.title)]), ...o.intro.map(paragraph), toc, ...sections, el("p", { class: "muted" }, [text(o.footer)])]);
  return `<!DOCTYPE html>\n${el("html", { xmlns: "http://www.w3.org/1999/xhtml", lang: "en" }, [head, body])}\n`;
}
