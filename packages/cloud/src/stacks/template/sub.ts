/** The variables of an `Fn::Sub` string: `${Name}`, `${Resource.Attribute}`; `${!Literal}` stands for `${Literal}`. */
export type SubPart = { literal: string } | { variable: string };

export function parseSub(text: string): SubPart[] {
  const parts: SubPart[] = [];
  let literal = "";
  let i = 0;
  while (i < text.length) {
    const start = text.indexOf("${", i);
    const end = start < 0 ? -1 : text.indexOf("}", start + 2);
    if (start < 0 || end < 0) {
      literal += text.slice(i);
      break;
    }
    literal += text.slice(i, start);
    const inner = text.slice(start + 2, end);
    if (inner.startsWith("!")) literal += "${" + inner.slice(1) + "}";
    else {
      if (literal !== "") parts.push({ literal });
      literal = "";
      parts.push({ variable: inner.trim() });
    }
    i = end + 1;
  }
  if (literal !== "") parts.push({ literal });
  return parts;
}

/** `Res.Attr` → `["Res", "Attr"]`; a name without a dot → `[name]`. */
export function splitSubVariable(variable: string): [string] | [string, string] {
  const dot = variable.indexOf(".");
  return dot < 0 ? [variable] : [variable.slice(0, dot), variable.slice(dot + 1)];
}
