export type * from "./config/model.ts";
