/**
 * The rest of the IAM Query API a real `aws iam` user expects, on a real server driven by Debian's awscli 2.9:
 * AWS's paging on every List* action (awscli's auto-pagination over several pages returns everything exactly
 * once, in order; a forged marker or an out-of-range MaxItems is a ValidationError), managed policy versions
 * (the default version is what an attached role's credentials may do, from the very next request), UpdateRole
 * (STS honours the new maximum session duration), and tags on policies and instance profiles with AWS's limits.
 * Every refused request changes nothing.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import test, { type TestContext } from "node:test";
import { ApiRoutes, type CreatedAccessKeyDto } from "@fawkes/protocol";
import { startServerProcess, tempDir } from "@fawkes/testing";
import { awsAs, awsCli, stsCredentials } from "./support.ts";

const ACCOUNT = "000000000000";
const TRUST = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { AWS: ACCOUNT }, Action: "sts:AssumeRole" }],
};
const allow = (action: string) => ({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: action, Resource: "*" }],
});

type Json = Record<string, unknown> & {
  Roles: { RoleName: string }[];
  Policies: { PolicyName: string }[];
  InstanceProfiles: { InstanceProfileName: string }[];
  Tags: { Key: string; Value: string }[];
  Versions: { VersionId: string; IsDefaultVersion: boolean }[];
  PolicyNames: string[];
  AttachedPolicies: { PolicyName: string }[];
  NextToken?: string;
};

async function setup(t: TestContext) {
  const server = await startServerProcess(t);
  const home = await tempDir(t, "fawkes-iam-api-home-");
  const key = await server.api.post<CreatedAccessKeyDto>(ApiRoutes.credentials, {
    name: "iam-admin",
    policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
  });
  const admin = awsCli(server.cloudUrl, home, key);
  let files = 0;
  const file = async (document: unknown) => {
    const name = path.join(home, `doc-${++files}.json`);
    await writeFile(name, JSON.stringify(document));
    return `file://${name}`;
  };
  const ok = async (...args: string[]): Promise<Json> => {
    const result = await admin(...args);
    assert.equal(result.code, 0, `aws ${args.join(" ")}: ${result.stderr}`);
    return (result.stdout.trim() === "" ? {} : JSON.parse(result.stdout)) as Json;
  };
  const fails = async (code: string, ...args: string[]): Promise<string> => {
    const result = await admin(...args);
    assert.notEqual(result.code, 0, `aws ${args.join(" ")} should fail with ${code}`);
    assert.match(result.stderr, new RegExp(`\\(${code}\\)`), result.stderr);
    return result.stderr;
  };
  /**
   * `aws iam LIST ARGS…` with awscli's own pagination: how many requests it made (its debug log names each) and
   * the `key` of each item of the answer's `field` (the items themselves without a key).
   */
  const pages = async (list: string, field: string, key: string | undefined, ...rest: string[]) => {
    const operation = list.replace(/(?:^|-)([a-z])/g, (_, c: string) => c.toUpperCase());
    const result = await admin("--debug", "iam", list, ...rest);
    assert.equal(result.code, 0, `aws iam ${list} ${rest.join(" ")}: ${result.stderr.slice(-2000)}`);
    const made = result.stderr.split(`Making request for OperationModel(name=${operation})`).length - 1;
    const answer = JSON.parse(result.stdout) as Record<string, Record<string, unknown>[]>;
    return { made, items: answer[field]!.map((item) => (key === undefined ? item : item[key])) };
  };
  /**
   * Pages by hand through an action awscli 2.9 does not paginate itself (List*Tags): `--max-items` and
   * `--marker` are AWS's MaxItems and Marker. Returns the tags and how many pages it took.
   */
  const tagPages = async (...args: string[]) => {
    const tags: { Key: string; Value: string }[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const page = await ok(
        ...args,
        "--max-items",
        "2",
        ...(marker === undefined ? [] : ["--marker", marker]),
      );
      pages++;
      tags.push(...page.Tags);
      assert.equal(page.IsTruncated, page.Marker !== undefined);
      marker = page.Marker as string | undefined;
    } while (marker !== undefined);
    return { tags, pages };
  };
  return { server, home, key, admin, file, ok, fails, pages, tagPages };
}

test(
  "every List* action pages as AWS's do: awscli's auto-pagination gets everything once, in order",
  { timeout: 360_000 },
  async (t) => {
    const { file, ok, fails, pages, tagPages } = await setup(t);
    const trust = await file(TRUST);
    // Created out of order, mixed case: the list is by name, case-insensitive, as IAM's.
    const names = ["r-03", "R-00", "r-06", "r-01", "r-05", "R-02", "r-04"];
    for (const name of names)
      await ok(
        "iam",
        "create-role",
        "--role-name",
        name,
        "--path",
        "/paged/",
        "--assume-role-policy-document",
        trust,
      );
    await ok("iam", "create-role", "--role-name", "elsewhere", "--assume-role-policy-document", trust);
    const expected = ["R-00", "r-01", "R-02", "r-03", "r-04", "r-05", "r-06"];

    assert.deepEqual(
      await pages("list-roles", "Roles", "RoleName", "--path-prefix", "/paged/", "--page-size", "2"),
      { made: 4, items: expected },
      "seven roles in pages of two are four requests",
    );
    assert.deepEqual(await pages("list-roles", "Roles", "RoleName"), {
      made: 1,
      items: ["elsewhere", ...expected],
    });

    // --max-items stops early and hands a token; --starting-token resumes exactly after it.
    const pagedRoles = async (...args: string[]) => {
      const answer = await ok("iam", "list-roles", "--path-prefix", "/paged/", "--page-size", "2", ...args);
      return { names: answer.Roles.map((r) => r.RoleName), token: answer.NextToken };
    };
    const first = await pagedRoles("--max-items", "3");
    assert.deepEqual(first.names, expected.slice(0, 3));
    assert.ok(first.token);
    assert.deepEqual(await pagedRoles("--starting-token", first.token), {
      names: expected.slice(3),
      token: undefined,
    });

    // A role deleted between pages is neither repeated nor skipped past.
    const firstPage = await pagedRoles("--max-items", "2");
    await ok("iam", "delete-role", "--role-name", "r-01");
    assert.deepEqual((await pagedRoles("--starting-token", firstPage.token!)).names, [
      "R-02",
      "r-03",
      "r-04",
      "r-05",
      "r-06",
    ]);

    // Forged or foreign markers and out-of-range MaxItems: ValidationError, and the server carries on.
    await fails("ValidationError", "iam", "list-roles", "--starting-token", "forged-marker");
    const tampered = Buffer.from(
      JSON.stringify({ Marker: `${Buffer.from("r-04").toString("base64url")}.AAAAAAAAAAAAAAAAAAAAAA` }),
    ).toString("base64");
    await fails("ValidationError", "iam", "list-roles", "--starting-token", tampered);
    await fails("ValidationError", "iam", "list-roles", "--page-size", "1001");
    await fails("ValidationError", "iam", "list-roles", "--path-prefix", "no-slash");
    // A marker of another list is refused: ListPolicies' marker given to ListRoles.
    const trust2 = await file(allow("s3:ListAllMyBuckets"));
    for (const name of ["p-a", "p-b", "p-c"])
      await ok("iam", "create-policy", "--policy-name", name, "--policy-document", trust2);
    const policiesPage = await ok("iam", "list-policies", "--max-items", "1", "--page-size", "1");
    assert.ok(policiesPage.NextToken);
    await fails("ValidationError", "iam", "list-roles", "--starting-token", policiesPage.NextToken);
    assert.equal((await ok("iam", "list-roles")).Roles.length, 7);

    // The other lists page the same way.
    assert.deepEqual(
      await pages("list-policies", "Policies", "PolicyName", "--scope", "Local", "--page-size", "1"),
      { made: 3, items: ["p-a", "p-b", "p-c"] },
    );
    const arns = (await ok("iam", "list-policies")).Policies.map(
      (p) => (p as unknown as { Arn: string }).Arn,
    );
    for (const arn of arns) await ok("iam", "attach-role-policy", "--role-name", "r-03", "--policy-arn", arn);
    // ListEntitiesForPolicy: the roles a policy is attached to or bounds.
    await ok("iam", "attach-role-policy", "--role-name", "r-05", "--policy-arn", arns[0]!);
    await ok(
      "iam",
      "put-role-permissions-boundary",
      "--role-name",
      "r-06",
      "--permissions-boundary",
      arns[0]!,
    );
    const entities = (...filter: string[]) =>
      pages(
        "list-entities-for-policy",
        "PolicyRoles",
        "RoleName",
        "--policy-arn",
        arns[0]!,
        "--page-size",
        "1",
        ...filter,
      );
    assert.deepEqual(await entities(), { made: 3, items: ["r-03", "r-05", "r-06"] });
    assert.deepEqual(await entities("--policy-usage-filter", "PermissionsPolicy"), {
      made: 2,
      items: ["r-03", "r-05"],
    });
    assert.deepEqual(await entities("--entity-filter", "User"), { made: 1, items: [] });
    assert.deepEqual(
      await pages(
        "list-attached-role-policies",
        "AttachedPolicies",
        "PolicyName",
        "--role-name",
        "r-03",
        "--page-size",
        "2",
      ),
      { made: 2, items: ["p-a", "p-b", "p-c"] },
    );
    const inline = await file(allow("s3:GetObject"));
    for (const name of ["c", "a", "b"])
      await ok(
        "iam",
        "put-role-policy",
        "--role-name",
        "r-03",
        "--policy-name",
        name,
        "--policy-document",
        inline,
      );
    assert.deepEqual(
      await pages("list-role-policies", "PolicyNames", undefined, "--role-name", "r-03", "--page-size", "2"),
      { made: 2, items: ["a", "b", "c"] },
    );
    const tags = ["k5=5", "k1=1", "k3=3", "k2=2", "k4=4"].map((tag) => {
      const [k, v] = tag.split("=");
      return `Key=${k},Value=${v}`;
    });
    await ok("iam", "tag-role", "--role-name", "r-03", "--tags", ...tags);
    // awscli 2.9 does not paginate the List*Tags actions itself: page by hand with MaxItems and Marker.
    const roleTags = await tagPages("iam", "list-role-tags", "--role-name", "r-03");
    assert.equal(roleTags.pages, 3);
    assert.deepEqual(
      roleTags.tags.map((tag) => tag.Key),
      ["k1", "k2", "k3", "k4", "k5"],
    );
    await fails("ValidationError", "iam", "list-role-tags", "--role-name", "r-03", "--marker", "forged");
    // A marker of one role's tags is no good for another's.
    const r03Marker = (await ok("iam", "list-role-tags", "--role-name", "r-03", "--max-items", "1"))
      .Marker as string;
    await fails("ValidationError", "iam", "list-role-tags", "--role-name", "r-04", "--marker", r03Marker);
    for (const name of ["ip-2", "ip-1", "ip-3"]) {
      await ok("iam", "create-instance-profile", "--instance-profile-name", name, "--path", "/paged/");
      await ok("iam", "tag-instance-profile", "--instance-profile-name", name, "--tags", ...tags);
    }
    assert.deepEqual(
      await pages(
        "list-instance-profiles",
        "InstanceProfiles",
        "InstanceProfileName",
        "--path-prefix",
        "/paged/",
        "--page-size",
        "2",
      ),
      { made: 2, items: ["ip-1", "ip-2", "ip-3"] },
    );
    for (const name of ["ip-2", "ip-1"])
      await ok("iam", "add-role-to-instance-profile", "--instance-profile-name", name, "--role-name", "r-04");
    assert.deepEqual(
      await pages(
        "list-instance-profiles-for-role",
        "InstanceProfiles",
        "InstanceProfileName",
        "--role-name",
        "r-04",
        "--page-size",
        "1",
      ),
      { made: 2, items: ["ip-1", "ip-2"] },
    );
    const profileTags = await tagPages(
      "iam",
      "list-instance-profile-tags",
      "--instance-profile-name",
      "ip-1",
    );
    assert.equal(profileTags.pages, 3);
    assert.deepEqual(
      profileTags.tags.map((tag) => tag.Key),
      ["k1", "k2", "k3", "k4", "k5"],
    );
    const policyArn = (await ok("iam", "list-policies")).Policies.map(
      (p) => (p as unknown as { Arn: string }).Arn,
    )[0]!;
    await ok("iam", "tag-policy", "--policy-arn", policyArn, "--tags", ...tags);
    const policyTags = await tagPages("iam", "list-policy-tags", "--policy-arn", policyArn);
    assert.deepEqual([policyTags.pages, policyTags.tags.length], [3, 5]);
  },
);

test(
  "managed policy versions: the default version decides what an attached role may do, from the next request",
  { timeout: 360_000 },
  async (t) => {
    const context = await setup(t);
    const { server, home, key, file, ok, fails } = context;
    await ok(
      "iam",
      "create-role",
      "--role-name",
      "lister",
      "--assume-role-policy-document",
      await file(TRUST),
    );
    const created = await ok(
      "iam",
      "create-policy",
      "--policy-name",
      "listing",
      "--policy-document",
      await file(allow("s3:ListAllMyBuckets")),
      "--tags",
      "Key=team,Value=ci",
    );
    const policy = created.Policy as { Arn: string; DefaultVersionId: string; Tags?: unknown };
    assert.equal(policy.DefaultVersionId, "v1");
    const arn = policy.Arn;
    await ok("iam", "attach-role-policy", "--role-name", "lister", "--policy-arn", arn);
    const assumed = await ok(
      "sts",
      "assume-role",
      "--role-arn",
      `arn:aws:iam::${ACCOUNT}:role/lister`,
      "--role-session-name",
      "versions",
    );
    const session = awsAs(server.cloudUrl, home, stsCredentials(JSON.stringify(assumed)));
    assert.equal((await session("s3api", "list-buckets")).code, 0, "v1 allows listing buckets");

    // A new version that is not the default changes nothing; made the default, it applies at once.
    const v2 = await ok(
      "iam",
      "create-policy-version",
      "--policy-arn",
      arn,
      "--policy-document",
      await file(allow("s3:GetObject")),
    );
    assert.deepEqual(
      [
        (v2.PolicyVersion as { VersionId: string }).VersionId,
        (v2.PolicyVersion as { IsDefaultVersion: boolean }).IsDefaultVersion,
      ],
      ["v2", false],
    );
    assert.equal((await session("s3api", "list-buckets")).code, 0, "v2 is not the default yet");
    await ok("iam", "set-default-policy-version", "--policy-arn", arn, "--version-id", "v2");
    assert.match((await session("s3api", "list-buckets")).stderr, /AccessDenied/, "v2 is the default now");
    assert.equal(
      ((await ok("iam", "get-policy", "--policy-arn", arn)).Policy as { DefaultVersionId: string })
        .DefaultVersionId,
      "v2",
    );
    const v1 = (await ok("iam", "get-policy-version", "--policy-arn", arn, "--version-id", "v1"))
      .PolicyVersion as {
      Document: unknown;
      IsDefaultVersion: boolean;
    };
    assert.deepEqual([v1.Document, v1.IsDefaultVersion], [allow("s3:ListAllMyBuckets"), false]);

    // Five versions at most; the default cannot be deleted; ids are never reused.
    for (const n of [3, 4, 5]) {
      const version = await ok(
        "iam",
        "create-policy-version",
        "--policy-arn",
        arn,
        "--policy-document",
        await file(allow(`s3:Get${n}*`)),
      );
      assert.equal((version.PolicyVersion as { VersionId: string }).VersionId, `v${n}`);
    }
    const full = await ok("iam", "list-policy-versions", "--policy-arn", arn);
    assert.deepEqual(
      await context.pages(
        "list-policy-versions",
        "Versions",
        undefined,
        "--policy-arn",
        arn,
        "--page-size",
        "2",
      ),
      { made: 3, items: full.Versions },
    );
    await fails(
      "LimitExceeded",
      "iam",
      "create-policy-version",
      "--policy-arn",
      arn,
      "--policy-document",
      await file(allow("s3:*")),
      "--set-as-default",
    );
    await fails("DeleteConflict", "iam", "delete-policy-version", "--policy-arn", arn, "--version-id", "v2");
    await fails("NoSuchEntity", "iam", "get-policy-version", "--policy-arn", arn, "--version-id", "v9");
    await fails(
      "NoSuchEntity",
      "iam",
      "set-default-policy-version",
      "--policy-arn",
      arn,
      "--version-id",
      "v9",
    );
    await fails(
      "ValidationError",
      "iam",
      "get-policy-version",
      "--policy-arn",
      arn,
      "--version-id",
      "latest",
    );
    await fails(
      "MalformedPolicyDocument",
      "iam",
      "create-policy-version",
      "--policy-arn",
      arn,
      "--policy-document",
      await file({ Statement: [{ Effect: "Maybe" }] }),
    );
    await fails(
      "NoSuchEntity",
      "iam",
      "create-policy-version",
      "--policy-arn",
      `arn:aws:iam::${ACCOUNT}:policy/none`,
      "--policy-document",
      await file(allow("s3:*")),
    );
    assert.deepEqual(
      await ok("iam", "list-policy-versions", "--policy-arn", arn),
      full,
      "the refusals changed nothing",
    );
    assert.deepEqual(
      full.Versions.map((v) => [v.VersionId, v.IsDefaultVersion]),
      [
        ["v1", false],
        ["v2", true],
        ["v3", false],
        ["v4", false],
        ["v5", false],
      ],
    );
    assert.match((await session("s3api", "list-buckets")).stderr, /AccessDenied/);
    await ok("iam", "delete-policy-version", "--policy-arn", arn, "--version-id", "v5");
    const v6 = await ok(
      "iam",
      "create-policy-version",
      "--policy-arn",
      arn,
      "--policy-document",
      await file(allow("s3:ListAllMyBuckets")),
      "--set-as-default",
    );
    assert.deepEqual(
      [
        (v6.PolicyVersion as { VersionId: string }).VersionId,
        (v6.PolicyVersion as { IsDefaultVersion: boolean }).IsDefaultVersion,
      ],
      ["v6", true],
    );
    assert.equal((await session("s3api", "list-buckets")).code, 0, "v6, the default, allows listing again");
    await fails("NoSuchEntity", "iam", "get-policy-version", "--policy-arn", arn, "--version-id", "v5");

    // DeletePolicy needs only the default left (and nothing attached), then removes the policy and its default.
    await ok("iam", "detach-role-policy", "--role-name", "lister", "--policy-arn", arn);
    assert.match(
      await fails("DeleteConflict", "iam", "delete-policy", "--policy-arn", arn),
      /more than one version/,
    );
    for (const id of ["v1", "v2", "v3", "v4"])
      await ok("iam", "delete-policy-version", "--policy-arn", arn, "--version-id", id);
    assert.deepEqual(
      (await ok("iam", "list-policy-versions", "--policy-arn", arn)).Versions.map((v) => v.VersionId),
      ["v6"],
    );
    await ok("iam", "delete-policy", "--policy-arn", arn);
    await fails("NoSuchEntity", "iam", "get-policy", "--policy-arn", arn);

    // Each change is in the audit log, by the signing principal.
    const audit = await server.api.get<{ entries: { action: string; actor: { name: string } }[] }>(
      `${ApiRoutes.audit}?target=${encodeURIComponent("policy/listing")}&limit=500`,
    );
    const actions = audit.entries.map((e) => e.action);
    for (const action of [
      "policy.create",
      "policy.version.create",
      "policy.version.default",
      "policy.version.delete",
      "policy.delete",
    ])
      assert.ok(actions.includes(action), `${action} in ${actions.join(", ")}`);
    assert.ok(audit.entries.every((e) => e.actor.name === key.principal));
  },
);

test(
  "UpdateRole and STS's maximum session duration; tags on policies and instance profiles with AWS's limits",
  { timeout: 360_000 },
  async (t) => {
    const { server, file, ok, fails } = await setup(t);
    await ok("iam", "create-role", "--role-name", "long", "--assume-role-policy-document", await file(TRUST));
    const assume = (seconds: number) => [
      "sts",
      "assume-role",
      "--role-arn",
      `arn:aws:iam::${ACCOUNT}:role/long`,
      "--role-session-name",
      "long-session",
      "--duration-seconds",
      String(seconds),
    ];
    await fails("ValidationError", ...assume(7200));
    await ok(
      "iam",
      "update-role",
      "--role-name",
      "long",
      "--max-session-duration",
      "7200",
      "--description",
      "longer",
    );
    const role = (await ok("iam", "get-role", "--role-name", "long")).Role as {
      MaxSessionDuration: number;
      Description: string;
    };
    assert.deepEqual([role.MaxSessionDuration, role.Description], [7200, "longer"]);
    const assumed = await ok(...assume(7200));
    const expiration = Date.parse((assumed.Credentials as { Expiration: string }).Expiration);
    assert.ok(expiration - Date.now() > 7000_000, "the session lasts two hours");
    await fails("ValidationError", ...assume(7201));
    await fails(
      "ValidationError",
      "iam",
      "update-role",
      "--role-name",
      "long",
      "--max-session-duration",
      "43201",
    );
    await fails("NoSuchEntity", "iam", "update-role", "--role-name", "none", "--description", "x");
    const described = await ok(
      "iam",
      "update-role-description",
      "--role-name",
      "long",
      "--description",
      "shorter",
    );
    assert.equal((described.Role as { Description: string }).Description, "shorter");
    assert.equal(
      ((await ok("iam", "get-role", "--role-name", "long")).Role as { MaxSessionDuration: number })
        .MaxSessionDuration,
      7200,
    );

    // Tags on instance profiles and policies, created with tags or tagged later; AWS's limits refuse and change nothing.
    await ok(
      "iam",
      "create-instance-profile",
      "--instance-profile-name",
      "box",
      "--tags",
      "Key=env,Value=ci",
    );
    await ok(
      "iam",
      "tag-instance-profile",
      "--instance-profile-name",
      "box",
      "--tags",
      "Key=team,Value=web",
      "Key=env,Value=prod",
    );
    assert.deepEqual((await ok("iam", "list-instance-profile-tags", "--instance-profile-name", "box")).Tags, [
      { Key: "env", Value: "prod" },
      { Key: "team", Value: "web" },
    ]);
    await ok(
      "iam",
      "untag-instance-profile",
      "--instance-profile-name",
      "box",
      "--tag-keys",
      "env",
      "nothing",
    );
    assert.deepEqual((await ok("iam", "list-instance-profile-tags", "--instance-profile-name", "box")).Tags, [
      { Key: "team", Value: "web" },
    ]);
    const policyArn = (
      (
        await ok(
          "iam",
          "create-policy",
          "--policy-name",
          "tagged",
          "--policy-document",
          await file(allow("s3:*")),
          "--tags",
          "Key=a,Value=1",
        )
      ).Policy as { Arn: string }
    ).Arn;
    await ok("iam", "tag-policy", "--policy-arn", policyArn, "--tags", "Key=b,Value=2");
    await ok("iam", "untag-policy", "--policy-arn", policyArn, "--tag-keys", "a");
    assert.deepEqual((await ok("iam", "list-policy-tags", "--policy-arn", policyArn)).Tags, [
      { Key: "b", Value: "2" },
    ]);
    assert.deepEqual(
      ((await ok("iam", "get-policy", "--policy-arn", policyArn)).Policy as { Tags: unknown }).Tags,
      [{ Key: "b", Value: "2" }],
    );

    const many = Array.from({ length: 50 }, (_, i) => `Key=t${i},Value=v`);
    await fails("LimitExceeded", "iam", "tag-policy", "--policy-arn", policyArn, "--tags", ...many);
    await fails(
      "ValidationError",
      "iam",
      "tag-policy",
      "--policy-arn",
      policyArn,
      "--tags",
      "Key=aws:owner,Value=x",
    );
    await fails(
      "ValidationError",
      "iam",
      "tag-instance-profile",
      "--instance-profile-name",
      "box",
      "--tags",
      `Key=${"k".repeat(129)},Value=x`,
    );
    await fails(
      "ValidationError",
      "iam",
      "tag-instance-profile",
      "--instance-profile-name",
      "box",
      "--tags",
      `Key=k,Value=${"v".repeat(257)}`,
    );
    await fails(
      "ValidationError",
      "iam",
      "create-instance-profile",
      "--instance-profile-name",
      "box2",
      "--tags",
      "Key=aws:x,Value=y",
    );
    await fails("NoSuchEntity", "iam", "get-instance-profile", "--instance-profile-name", "box2");
    await fails(
      "NoSuchEntity",
      "iam",
      "tag-instance-profile",
      "--instance-profile-name",
      "none",
      "--tags",
      "Key=a,Value=b",
    );
    assert.deepEqual((await ok("iam", "list-policy-tags", "--policy-arn", policyArn)).Tags, [
      { Key: "b", Value: "2" },
    ]);
    assert.deepEqual((await ok("iam", "list-instance-profile-tags", "--instance-profile-name", "box")).Tags, [
      { Key: "team", Value: "web" },
    ]);
    // Fifty in all is the limit, not fifty more.
    await ok("iam", "tag-policy", "--policy-arn", policyArn, "--tags", ...many.slice(0, 49));
    await fails(
      "LimitExceeded",
      "iam",
      "tag-policy",
      "--policy-arn",
      policyArn,
      "--tags",
      "Key=one-more,Value=x",
    );
    assert.equal((await ok("iam", "list-policy-tags", "--policy-arn", policyArn)).Tags.length, 50);

    // Each change is in the audit log; refusals and no-ops are not.
    const audited = async (target: string) =>
      (
        await server.api.get<{ entries: { action: string; details: unknown }[] }>(
          `${ApiRoutes.audit}?target=${encodeURIComponent(target)}&limit=500`,
        )
      ).entries
        .map((e) => e.action)
        .reverse();
    assert.deepEqual(await audited("role/long"), [
      "role.create",
      "role.update",
      "credentials.assume-role",
      "role.update",
    ]);
    assert.deepEqual(await audited("instance-profile/box"), [
      "instance-profile.create",
      "instance-profile.tag",
      "instance-profile.untag",
    ]);
    assert.deepEqual(await audited("policy/tagged"), [
      "policy.create",
      "policy.tag",
      "policy.untag",
      "policy.tag",
    ]);
  },
);
