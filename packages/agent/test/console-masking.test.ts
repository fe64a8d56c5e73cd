import assert from "node:assert/strict";
import { test } from "node:test";
import { SecretMasker } from "../src/job/secret-masker.ts";
import { jobAssignment, runToCompletion, sh, startServer, startTestAgent } from "./support/helpers.ts";

/** Feeds `input` as the console stream does: what is not consumed comes again with the next chunk. */
function maskInChunks(secrets: string[], input: string, chunkSize: number): string {
  const masker = new SecretMasker(secrets);
  const bytes = Buffer.from(input);
  const out: Buffer[] = [];
  let consumedTo = 0;
  for (let end = chunkSize; consumedTo < bytes.length; end += chunkSize) {
    const final = end >= bytes.length;
    const { output, consumed } = masker.mask(bytes.subarray(consumedTo, end), final);
    out.push(output);
    consumedTo += consumed;
    assert.ok(!final || consumedTo === bytes.length, "a final call consumes everything");
  }
  return Buffer.concat(out).toString();
}

test("secrets are masked at every chunk split", () => {
  const secrets = ["hunter2", "s3cr3t-longer-value", "hun"];
  const input = "a hunter2 b s3cr3t-longer-value c hun d hunter2hunter2 e s3cr3t-longer-valuX f";
  const expected = "a ****** b ****** c ****** d ************ e s3cr3t-longer-valuX f";
  for (let size = 1; size <= input.length; size++)
    assert.equal(maskInChunks(secrets, input, size), expected, `chunk size ${size}`);
  assert.equal(maskInChunks([], input, 5), input);
  assert.equal(maskInChunks([""], "nothing to hide", 3), "nothing to hide");
});

test("output is held back only while its tail could still become a secret", () => {
  const masker = new SecretMasker(["AKIAEXAMPLE", "wJalrXUtnFEMI/K7MDENG"]);
  const mask = (text: string, final = false) => {
    const { output, consumed } = masker.mask(Buffer.from(text), final);
    return [output.toString(), consumed];
  };
  // Nothing in "sleeping\n" can start a secret: it leaves at once, even before a long pause.
  assert.deepEqual(mask("sleeping\n"), ["sleeping\n", 9]);
  // "key=AKIA" could be the start of a secret: "AKIA" is left to come again with what follows.
  assert.deepEqual(mask("key=AKIA"), ["key=", 4]);
  assert.deepEqual(mask("AKIAEXAMPLE done\n"), ["****** done\n", 17]);
  assert.deepEqual(mask("tail wJal"), ["tail ", 5]);
  assert.deepEqual(mask("wJal"), ["", 0], "only a possible secret's start: nothing is consumed");
  assert.deepEqual(mask("wJal", true), ["wJal", 4], "a start that never completed is released at the end");
});

test("a job's secure variable never reaches the server, even split across writes", async (t) => {
  const server = await startServer(t);
  await startTestAgent(t, server);
  const secret = "TopSecretValue42";
  const job = jobAssignment({
    environment: [
      { name: "API_TOKEN", value: secret, secure: true },
      { name: "PLAIN", value: "visible-value", secure: false },
    ],
    // printf in two separate writes with a pause, so the secret straddles two chunks from the pipe.
    tasks: [
      sh('printf "token=TopSecr"; sleep 0.2; printf "etValue42 plain=$PLAIN\\n"; echo "env=$API_TOKEN"'),
    ],
  });
  assert.equal(await runToCompletion(server, job), "passed");
  const text = server.consoleText(job.jobRunId);
  assert.ok(!text.includes(secret), text);
  assert.match(text, /^token=\*\*\*\*\*\* plain=visible-value$/m);
  assert.match(text, /^env=\*\*\*\*\*\*$/m);
  assert.ok(server.jobs.get(job.jobRunId)!.console.length >= 2, "the split really crossed console batches");
});
