// Variables a draft template uses, found as the user types (the server's parser is the authority when the version is
// saved or rendered; these rules match it for ordinary templates).

/** mustache: {{name}}, {{{name}}}, {{&name}} and section names {{#name}} / {{^name}}; the first segment of a dotted name. */
function mustache(text, found) {
  const re = /\{\{(\{?)\s*([#^&]?)\s*([^{}!\/>=\s][^{}\s]*?)\s*\}?\}\}/g;
  let m;
  while ((m = re.exec(text))) {
    const name = m[3];
    if (name === ".") continue;
    found.add(name.split(".")[0]);
  }
}

/** f-string: {name}, {name.attr}, {name[0]}, {name!r:>10}; {{ and }} are literal braces. */
function fString(text, found) {
  const stripped = text.replace(/\{\{|\}\}/g, "");
  const re = /\{([A-Za-z_][A-Za-z0-9_]*)[^{}]*\}/g;
  let m;
  while ((m = re.exec(stripped))) found.add(m[1]);
}

export function detectVariables(texts, format) {
  const found = new Set();
  if (format === "none") return [];
  for (const text of texts) (format === "f_string" ? fString : mustache)(text ?? "", found);
  return [...found].sort();
}

/** Every text a version's template holds, for detection. */
export function templateTexts(template) {
  if (typeof template === "string") return [template];
  if (template?.type === "string") return [template.template];
  return (template?.messages ?? []).flatMap((m) => typeof m.content === "string"
    ? [m.content]
    : Array.isArray(m.content) ? m.content.filter((p) => p.type === "text").map((p) => p.text) : []);
}
