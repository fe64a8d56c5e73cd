/**
 * The roles, policies and instance-profiles REST API on an in-process server: one set of roles with the cloud
 * endpoint's IAM (what REST writes, the RoleLookup STS uses sees), schema and policy validation naming the JSON
 * path of each problem, DeleteConflict while in use — and a refused request changes nothing.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { ApiRoutes, apiPath, type Problem, type RoleDetailsDto } from "@fawkes/protocol";
import { startHttpServer } from "./http-server.ts";

const TRUST = {
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { Federated: "arn:aws:iam::000000000000:oidc-provider/fawkes" },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: { StringLike: { "fawkes:sub": "pipeline:app:stage:*:job:*" } },
    },
  ],
};
const PUBLISH = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "s3:PutObject", Resource: "arn:aws:s3:::releases/*" }],
};

test("roles, policies and instance profiles over REST", { timeout: 60_000 }, async (t) => {
  const server = await startHttpServer(t);
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(server.url + path, {
      method,
      headers: {
        authorization: `Bearer ${server.keys.apiToken}`,
        ...(body !== undefined && { "content-type": "application/json" }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text === "" ? undefined : JSON.parse(text)) as unknown };
  };
  const problem = (answer: { body: unknown }) => answer.body as Problem;
  const role = (name: string) => apiPath(ApiRoutes.role, { role: name });

  // Validation: every problem with its JSON path; nothing is created.
  const invalid = await call("POST", ApiRoutes.roles, {
    name: "has space",
    trustPolicy: { Version: "2012-10-17", Statement: [{ Effect: "Permit", Action: "sts:AssumeRole" }] },
    maxSessionDurationSeconds: 100,
  });
  assert.equal(invalid.status, 400);
  assert.equal(problem(invalid).code, "FAWKES_VALIDATION_FAILED");
  assert.deepEqual(
    problem(invalid)
      .errors?.map((e) => e.path)
      .sort(),
    ["maxSessionDurationSeconds", "name", "trustPolicy.Statement[0]", "trustPolicy.Statement[0].Effect"],
  );
  const unknownField = await call("POST", ApiRoutes.roles, { name: "r", trustPolicy: TRUST, admin: true });
  assert.equal(unknownField.status, 400);
  assert.deepEqual(await call("GET", ApiRoutes.roles), { status: 200, body: { roles: [] } });

  // Create, read, attach, put inline; what REST wrote is what STS's RoleLookup sees.
  const created = await call("POST", ApiRoutes.roles, {
    name: "app-deployer",
    path: "/ci/",
    trustPolicy: TRUST,
  });
  assert.equal(created.status, 201);
  assert.equal((created.body as RoleDetailsDto).arn, "arn:aws:iam::000000000000:role/ci/app-deployer");
  assert.equal(
    (
      await call("PUT", apiPath(ApiRoutes.rolePolicy, { role: "app-deployer", policy: "publish" }), {
        document: PUBLISH,
      })
    ).status,
    200,
  );
  const badInline = await call(
    "PUT",
    apiPath(ApiRoutes.rolePolicy, { role: "app-deployer", policy: "bad" }),
    {
      document: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "nope", Resource: "*" }] },
    },
  );
  assert.equal(badInline.status, 400);
  assert.deepEqual(
    problem(badInline).errors?.map((e) => e.path),
    ["document.Statement[0].Action[0]"],
  );
  const managed = await call("POST", ApiRoutes.policies, { name: "read-all", document: PUBLISH });
  assert.equal(managed.status, 201);
  assert.equal(
    (await call("POST", apiPath(ApiRoutes.roleAttached, { role: "app-deployer" }), { policy: "read-all" }))
      .status,
    200,
  );
  const details = (await call("GET", role("APP-DEPLOYER"))).body as RoleDetailsDto;
  assert.deepEqual(details.inlinePolicies, [{ name: "publish", document: PUBLISH }]);
  assert.deepEqual(details.attachedPolicies, [
    { name: "read-all", arn: "arn:aws:iam::000000000000:policy/read-all" },
  ]);
  assert.deepEqual(details.trustPolicy, TRUST);
  const lookup = await server.engine.ctx.cloud?.identity.roles.findRole(details.arn);
  assert.deepEqual(lookup?.policies, [PUBLISH, PUBLISH]);
  assert.deepEqual(lookup?.trustPolicy, TRUST);

  // Trust policy replaced; a bad one changes nothing.
  const bad = await call("PUT", role("app-deployer"), { trustPolicy: { Statement: "x" } });
  assert.equal(bad.status, 400);
  assert.ok(problem(bad).errors?.every((e) => e.path?.startsWith("trustPolicy")));
  assert.deepEqual(((await call("GET", role("app-deployer"))).body as RoleDetailsDto).trustPolicy, TRUST);

  // Instance profiles.
  const profile = await call("POST", ApiRoutes.instanceProfiles, { name: "ci-agent", role: "app-deployer" });
  assert.equal(profile.status, 201);
  assert.equal((profile.body as { role: string }).role, "app-deployer");
  const noRole = await call("POST", ApiRoutes.instanceProfiles, { name: "ghost", role: "nobody" });
  assert.equal(problem(noRole).code, "FAWKES_ROLE_NOT_FOUND");
  assert.deepEqual(
    (
      (await call("GET", ApiRoutes.instanceProfiles)).body as { instanceProfiles: { name: string }[] }
    ).instanceProfiles.map((p) => p.name),
    ["ci-agent"],
    "a refused create made no profile",
  );

  // In use: DeleteConflict, and nothing changes.
  const conflict = await call("DELETE", role("app-deployer"));
  assert.equal(conflict.status, 409);
  assert.equal(problem(conflict).code, "FAWKES_DELETE_CONFLICT");
  assert.equal(
    problem(await call("DELETE", apiPath(ApiRoutes.policy, { policy: "read-all" }))).code,
    "FAWKES_DELETE_CONFLICT",
  );
  assert.equal((await call("GET", role("app-deployer"))).status, 200);

  // Taken apart in order, then gone.
  assert.equal(
    (await call("DELETE", apiPath(ApiRoutes.instanceProfileRole, { profile: "ci-agent" }))).status,
    204,
  );
  assert.equal(
    (await call("DELETE", apiPath(ApiRoutes.instanceProfile, { profile: "ci-agent" }))).status,
    204,
  );
  assert.equal(
    (await call("DELETE", `${apiPath(ApiRoutes.roleAttached, { role: "app-deployer" })}?policy=read-all`))
      .status,
    204,
  );
  assert.equal(
    (await call("DELETE", apiPath(ApiRoutes.rolePolicy, { role: "app-deployer", policy: "publish" }))).status,
    204,
  );
  assert.equal((await call("DELETE", role("app-deployer"))).status, 204);
  assert.equal(problem(await call("GET", role("app-deployer"))).code, "FAWKES_ROLE_NOT_FOUND");
  assert.equal((await call("DELETE", apiPath(ApiRoutes.policy, { policy: "read-all" }))).status, 204);
  assert.equal(await server.engine.ctx.cloud?.identity.roles.findRole("app-deployer"), undefined);
});
