/**
 * The connection options of the AWS-client commands (`fawkes s3`, `fawkes stack`, `fawkes instances`). Light on
 * purpose: the command tree is built for every invocation, and the AWS SDK is loaded only by cloud-connection.ts
 * when such a command runs.
 */
import { InvalidArgumentError, type Command } from "commander";

export type CloudProvider = "local" | "aws";

/** The services the CLI calls, with their SDK names (the suffix of `$AWS_ENDPOINT_URL_<SERVICE>`). */
export type CloudService = "s3" | "cloudformation" | "ec2";

export const SERVICE_LABEL: Record<CloudService, string> = {
  s3: "S3",
  cloudformation: "CloudFormation",
  ec2: "EC2",
};

/** `--provider local|aws`. */
export function parseProvider(value: string): CloudProvider {
  if (value !== "local" && value !== "aws")
    throw new InvalidArgumentError("expected local (the Fawkes cloud endpoint) or aws (real AWS)");
  return value;
}

/** The connection options shared by the AWS-client commands, accepted before or after the subcommand. */
export function addConnectionOptions(
  command: Command,
  service: CloudService,
  withProvider: boolean,
): Command {
  const label = SERVICE_LABEL[service];
  const suffix = service.toUpperCase();
  command
    .option(
      "--endpoint-url <url>",
      `${label} endpoint (default: $AWS_ENDPOINT_URL_${suffix}, $AWS_ENDPOINT_URL, then the cloud endpoint saved for --server)`,
    )
    .option("--region <region>", "signing region (default: $AWS_REGION, $AWS_DEFAULT_REGION, us-east-1)")
    .option(
      "--access-key-id <id>",
      "access key id (prefer $AWS_ACCESS_KEY_ID: flags show up in ps and history)",
    )
    .option("--secret-access-key <secret>", "secret access key (prefer $AWS_SECRET_ACCESS_KEY)");
  if (withProvider)
    command.option(
      "--provider <provider>",
      "local (the Fawkes cloud endpoint) or aws (real AWS: the SDK's endpoint, credential chain and region)",
      parseProvider,
      "local",
    );
  return command;
}
