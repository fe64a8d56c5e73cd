export * from "./states.ts";
export * from "./errors.ts";
export * from "./agent-wire.ts";
export * from "./rest.ts";
export * from "./routes.ts";
export * from "./imds.ts";
export * from "./iam-rest.ts";
export * from "./audit.ts";
