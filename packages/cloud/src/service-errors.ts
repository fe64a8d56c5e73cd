import { AwsError } from "./aws-error.ts";
import { escapeXml } from "./s3/xml.ts";

/**
 * Errors for services other than S3, each in the format its clients parse: EC2's <Response><Errors>, the
 * Query protocol's <ErrorResponse> (STS, CloudFormation, IAM…), or JSON (`__type`) for JSON-protocol services.
 * An S3-style error reaches awscli as "Unknown", so the format must follow the service.
 */
export function serviceErrorResponse(
  service: string,
  requestContentType: string | undefined,
  error: AwsError,
  requestId: string,
): { contentType: string; body: string; headers: Record<string, string> } {
  const code = escapeXml(error.code);
  const message = escapeXml(error.message);
  if (service === "ec2")
    return {
      contentType: "text/xml",
      headers: {},
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`,
    };
  if (requestContentType?.includes("json"))
    return {
      contentType: "application/x-amz-json-1.1",
      headers: { "x-amzn-errortype": error.code, "x-amzn-requestid": requestId },
      body: JSON.stringify({ __type: error.code, message: error.message }),
    };
  const type = error.status >= 500 ? "Receiver" : "Sender";
  return {
    contentType: "text/xml",
    headers: { "x-amzn-requestid": requestId },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}
