/**
 * Test support for the AWS-client commands at the SDK's transport level: a `requestHandler` that records each
 * serialised, signed HTTP request (what would go over the wire to AWS) and answers with a canned AWS response,
 * and the commands run in-process with it. This is how `--provider aws` is tested: real AWS is not reachable here.
 */
import { Readable } from "node:stream";
import type { ClientOverrides } from "../src/cloud-connection.ts";
import type { RegisterCommand } from "../src/program.ts";
import { runCli } from "../src/program.ts";
import { mainScript } from "./helpers.ts";

export interface CapturedRequest {
  method: string;
  protocol: string;
  hostname: string;
  port: number | undefined;
  path: string;
  headers: Record<string, string>;
  /** The decoded form body (Query protocol). */
  params: URLSearchParams;
}

/** An answer: the XML body and its status (200 unless given); a promise holds the request open. */
export type Answer = { status?: number; xml: string };
export type Responder = (request: CapturedRequest) => Answer | Promise<Answer>;

interface HttpRequestLike {
  method: string;
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  headers: Record<string, string>;
  body?: unknown;
}

export function captureHandler(respond: Responder): {
  requests: CapturedRequest[];
  overrides: ClientOverrides;
} {
  const requests: CapturedRequest[] = [];
  const handler = {
    metadata: { handlerProtocol: "http/1.1" },
    async handle(request: HttpRequestLike) {
      const body =
        typeof request.body === "string"
          ? request.body
          : request.body instanceof Uint8Array
            ? Buffer.from(request.body).toString("utf8")
            : "";
      const captured: CapturedRequest = {
        method: request.method,
        protocol: request.protocol,
        hostname: request.hostname,
        port: request.port,
        path: request.path,
        headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v])),
        params: new URLSearchParams(body),
      };
      requests.push(captured);
      const answer = await respond(captured);
      return {
        response: {
          statusCode: answer.status ?? 200,
          headers: { "content-type": "text/xml", "x-amzn-requestid": "req-1" },
          body: Readable.from([Buffer.from(answer.xml)]),
        },
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs() {
      return {};
    },
    destroy() {},
  };
  return { requests, overrides: { requestHandler: handler as unknown as ClientOverrides["requestHandler"] } };
}

export interface InProcessRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `fawkes …argv` in-process with only `command` registered; `live` sees stdout as it grows. */
export async function runWith(
  command: RegisterCommand,
  argv: string[],
  env: Record<string, string>,
  live: { stdout: string } = { stdout: "" },
): Promise<InProcessRun> {
  let stderr = "";
  const io = {
    out: (text: string) => void (live.stdout += text),
    err: (text: string) => void (stderr += text),
    env,
    isTty: false,
  };
  const code = await runCli(argv, { io, mainScript }, [command]);
  return { code, stdout: live.stdout, stderr };
}

export const CFN_XMLNS = "http://cloudformation.amazonaws.com/doc/2010-05-15/";
export const EC2_XMLNS = "http://ec2.amazonaws.com/doc/2016-11-15/";

/** A CloudFormation Query answer: `<ActionResponse><ActionResult>…`. */
export function cfnAnswer(action: string, result: string): Answer {
  return {
    xml: `<${action}Response xmlns="${CFN_XMLNS}"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></${action}Response>`,
  };
}

export function cfnError(code: string, message: string, status = 400): Answer {
  return {
    status,
    xml: `<ErrorResponse xmlns="${CFN_XMLNS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>req-1</RequestId></ErrorResponse>`,
  };
}

/** An EC2 Query answer: no Result wrapper. */
export function ec2Answer(action: string, body: string): Answer {
  return {
    xml: `<${action}Response xmlns="${EC2_XMLNS}"><requestId>req-1</requestId>${body}</${action}Response>`,
  };
}

export function stackXml(stack: {
  name: string;
  status: string;
  outputs?: Record<string, string>;
  parameters?: Record<string, string>;
  reason?: string;
}): string {
  const parameters = Object.entries(stack.parameters ?? {})
    .map(
      ([key, value]) =>
        `<member><ParameterKey>${key}</ParameterKey><ParameterValue>${value}</ParameterValue></member>`,
    )
    .join("");
  const outputs = Object.entries(stack.outputs ?? {})
    .map(
      ([key, value]) => `<member><OutputKey>${key}</OutputKey><OutputValue>${value}</OutputValue></member>`,
    )
    .join("");
  return `<Stacks><member><StackId>${stackArn(stack.name)}</StackId><StackName>${stack.name}</StackName><CreationTime>2026-12-07T20:00:00Z</CreationTime><Parameters>${parameters}</Parameters><StackStatus>${stack.status}</StackStatus>${stack.reason ? `<StackStatusReason>${stack.reason}</StackStatusReason>` : ""}<DisableRollback>false</DisableRollback><Outputs>${outputs}</Outputs></member></Stacks>`;
}

export function eventXml(event: {
  id: string;
  stack: string;
  logicalId: string;
  type: string;
  status: string;
  reason?: string;
}): string {
  return `<member><StackId>${stackArn(event.stack)}</StackId><EventId>${event.id}</EventId><StackName>${event.stack}</StackName><LogicalResourceId>${event.logicalId}</LogicalResourceId><PhysicalResourceId></PhysicalResourceId><ResourceType>${event.type}</ResourceType><Timestamp>2026-12-07T20:00:01.000Z</Timestamp><ResourceStatus>${event.status}</ResourceStatus>${event.reason ? `<ResourceStatusReason>${event.reason}</ResourceStatusReason>` : ""}</member>`;
}

export const stackArn = (name: string) =>
  `arn:aws:cloudformation:us-east-1:123456789012:stack/${name}/0b4a2a30-d4a1-11ee-9d5c-0a1b2c3d4e5f`;
