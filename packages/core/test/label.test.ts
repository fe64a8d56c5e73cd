import assert from "node:assert/strict";
import { test } from "node:test";
import { renderLabel, validateLabelTemplate } from "@fawkes/core";

const input = {
  count: 42,
  revisions: { MyGit: "0123456789abcdef", upstream: "7" },
  env: { VERSION: "1.2" },
};

test("renderLabel follows GoCD's label_template rules", () => {
  const cases: [string, string][] = [
    ["${COUNT}", "42"],
    ["1.0-${COUNT}", "1.0-42"],
    ["${mygit}", "0123456789abcdef"],
    ["${MyGit[:8]}-${COUNT}", "01234567-42"],
    ["${upstream}.${COUNT}", "7.42"],
    ["${env:VERSION}-${COUNT}", "1.2-42"],
    ["${env:MISSING}x", "x"],
    ["${unknown}", "${unknown}"],
  ];
  for (const [template, label] of cases) assert.equal(renderLabel(template, input), label, template);
});

test("validateLabelTemplate rejects unknown materials and malformed templates", () => {
  const cases: [string, string[]][] = [
    ["${COUNT}", []],
    ["r-${code[:7]}.${env:BUILD}", []],
    ["${cod}", ['label_template refers to unknown material "cod"; did you mean "code"?']],
    ["static", ["label_template must contain ${COUNT} or a material revision such as ${my_git}"]],
    [
      "${COUNT} with spaces",
      ["label_template may contain only letters, digits and _ - . ! ~ * ' ( ) # : outside ${...}"],
    ],
    ["${COUNT}-${code[:0]}", ['label_template truncates "code" to 0 characters']],
    ["${COUNT}-${", ['label_template has an unclosed "${"']],
  ];
  for (const [template, errors] of cases)
    assert.deepEqual(validateLabelTemplate(template, ["code"]), errors, template);
});
