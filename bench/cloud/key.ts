import type { AccessKey } from "@fawkes/cloud";

/** The one access key of the bench endpoint (an administrator, so authorisation cost is one policy). */
export const BENCH_KEY: AccessKey = {
  accessKeyId: "AKIAFAWKESBENCH00001",
  secretAccessKey: "fawkes-bench-secret-0123456789abcdefghij",
  principalArn: "arn:aws:iam::000000000000:user/bench",
  policies: [{ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] }],
};
