/**
 * A strict little XML parser for the tests: it accepts a document (optional XML declaration,
 * comments, one root element) and throws, with the offset, on anything not well-formed:
 * unbalanced or mismatched tags, unquoted or duplicate attributes, a raw '<' in an attribute or
 * text, an '&' that does not start an entity reference, content after the root.
 */
export interface XmlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** The element's own character data (entities decoded), children's excluded. */
  readonly text: string;
}

const NAME = /[A-Za-z_:][\w:.-]*/y;
const ENTITIES: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

export function parseXml(s: string): XmlElement {
  let i = 0;
  const fail = (msg: string): never => {
    throw new Error(`xml: ${msg} at offset ${i}: ${JSON.stringify(s.slice(i, i + 30))}`);
  };
  const skipSpace = (): void => {
    while (i < s.length && /\s/.test(s[i] as string)) i++;
  };
  const skipMisc = (): void => {
    for (;;) {
      skipSpace();
      if (s.startsWith("<!--", i)) {
        const end = s.indexOf("-->", i + 4);
        if (end < 0) fail("unterminated comment");
        i = end + 3;
      } else return;
    }
  };
  const name = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(s);
    if (m === null) return fail("expected a name");
    i += m[0].length;
    return m[0];
  };
  const decode = (raw: string): string =>
    raw.replace(/&([^;]*);|&/g, (all, ent: string | undefined) => {
      if (ent === undefined) return fail("bare '&'");
      if (/^#\d+$/.test(ent)) return String.fromCodePoint(Number(ent.slice(1)));
      if (/^#x[0-9a-fA-F]+$/.test(ent)) return String.fromCodePoint(parseInt(ent.slice(2), 16));
      const v = ENTITIES[ent];
      return v ?? fail(`unknown entity ${all}`);
    });
  const element = (): XmlElement => {
    if (s[i] !== "<") fail("expected '<'");
    i++;
    const tag = name();
    const attrs: Record<string, string> = {};
    for (;;) {
      const before = i;
      skipSpace();
      if (s.startsWith("/>", i)) {
        i += 2;
        return { name: tag, attrs, children: [], text: "" };
      }
      if (s[i] === ">") {
        i++;
        break;
      }
      if (i === before) fail("expected whitespace before an attribute");
      const key = name();
      skipSpace();
      if (s[i] !== "=") fail(`attribute '${key}' without '='`);
      i++;
      skipSpace();
      const q = s[i];
      if (q !== '"' && q !== "'") fail(`attribute '${key}' not quoted`);
      const end = s.indexOf(q as string, i + 1);
      if (end < 0) fail("unterminated attribute value");
      const raw = s.slice(i + 1, end);
      if (raw.includes("<")) fail(`'<' in attribute '${key}'`);
      if (key in attrs) fail(`duplicate attribute '${key}'`);
      attrs[key] = decode(raw);
      i = end + 1;
    }
    const children: XmlElement[] = [];
    let text = "";
    for (;;) {
      if (i >= s.length) fail(`unclosed <${tag}>`);
      if (s.startsWith("</", i)) {
        i += 2;
        const close = name();
        if (close !== tag) fail(`</${close}> closes <${tag}>`);
        skipSpace();
        if (s[i] !== ">") fail("expected '>'");
        i++;
        return { name: tag, attrs, children, text };
      }
      if (s.startsWith("<!--", i)) {
        skipMisc();
        continue;
      }
      if (s[i] === "<") {
        children.push(element());
        continue;
      }
      const next = s.indexOf("<", i);
      const end = next < 0 ? s.length : next;
      text += decode(s.slice(i, end));
      i = end;
    }
  };
  if (s.startsWith("<?xml", i)) {
    const end = s.indexOf("?>", i);
    if (end < 0) fail("unterminated XML declaration");
    i = end + 2;
  }
  skipMisc();
  const root = element();
  skipMisc();
  if (i !== s.length) fail("content after the root element");
  return root;
}

/** Every element named `name` in the tree (the root included), in document order. */
export function findAll(root: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement): void => {
    if (e.name === name) out.push(e);
    e.children.forEach(walk);
  };
  walk(root);
  return out;
}
