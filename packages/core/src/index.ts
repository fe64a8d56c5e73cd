export type * from "./config/model.ts";
export * from "./runs/job-state.ts";
