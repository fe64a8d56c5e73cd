// Pattern matching with each pattern tokenised once: the literal, prefix and glob fast paths agree with the
// definition, a pattern's tokens differ with and without variables, and characters beyond the BMP count as one.
import assert from "node:assert/strict";
import test from "node:test";
import { actionMatch, arnMatch, globMatch, tokenize } from "../../src/iam/wildcard.ts";

const none = () => undefined;

test("literal, prefix and glob patterns, repeated, match as the first time", () => {
  for (let round = 0; round < 3; round++) {
    assert.equal(actionMatch("s3:GetObject", "S3:getobject"), true);
    assert.equal(actionMatch("s3:GetObject", "s3:GetObjectAcl"), false);
    assert.equal(actionMatch("s3:Get*", "s3:GETBUCKETPOLICY"), true);
    assert.equal(actionMatch("s3:Get*", "s3:PutObject"), false);
    assert.equal(actionMatch("iam:*Role*", "iam:PassRole"), true);
    assert.equal(actionMatch("iam:*Role*", "iam:CreatePolicy"), false);
    assert.equal(arnMatch("arn:aws:s3:::releases/*", "arn:aws:s3:::releases/a/b.jar", none, true), true);
    assert.equal(arnMatch("arn:aws:s3:::releases/*", "arn:aws:s3:::other/a", none, true), false);
    assert.equal(
      arnMatch("arn:aws:s3:::Releases", "arn:aws:s3:::releases", none, true),
      false,
      "ARNs keep case",
    );
    assert.equal(globMatch(tokenize("", { wildcards: true, variables: false }), "", none), true);
    assert.equal(globMatch(tokenize("", { wildcards: true, variables: false }), "x", none), false);
  }
});

test("a pattern's variables resolve per request; without variables the same text is literal", () => {
  const pattern = "arn:aws:s3:::home/${aws:username}/*";
  const alice = (key: string) => (key === "aws:username" ? "alice" : undefined);
  const bob = (key: string) => (key === "aws:username" ? "bob" : undefined);
  assert.equal(arnMatch(pattern, "arn:aws:s3:::home/alice/x", alice, true), true);
  assert.equal(arnMatch(pattern, "arn:aws:s3:::home/alice/x", bob, true), false);
  assert.equal(arnMatch(pattern, "arn:aws:s3:::home/${aws:username}/x", alice, false), true);
  assert.equal(arnMatch(pattern, "arn:aws:s3:::home/alice/x", alice, false), false);
  assert.notEqual(
    tokenize(pattern, { wildcards: true, variables: true }),
    tokenize(pattern, { wildcards: true, variables: false }),
  );
});

test("`?` matches one character, also beyond the BMP", () => {
  const tokens = tokenize("a?c", { wildcards: true, variables: false });
  assert.equal(globMatch(tokens, "abc", none), true);
  assert.equal(globMatch(tokens, "a😀c", none), true);
  assert.equal(globMatch(tokens, "a😀😀c", none), false);
  assert.equal(globMatch(tokenize("😀*", { wildcards: true, variables: false }), "😀x", none), true);
});
