import { affectedPipelines, nameList, useConfigHealth } from "../config-health/config-health-context.ts";
import { Link } from "../router/link.tsx";

/** Shown on every page while the configuration has errors. */
export function ConfigBanner() {
  const { data } = useConfigHealth();
  const count = data?.errors.length ?? 0;
  if (count === 0 || data === undefined) return null;
  // Say only what is true: a pipeline that never had a valid version is not running an older one.
  const { known, kept, notLoaded } = affectedPipelines(data.errors);
  return (
    <div className="banner banner-error" role="alert">
      <span aria-hidden="true">⚠</span>{" "}
      <strong>{count === 1 ? "1 configuration error" : `${count} configuration errors`}.</strong>{" "}
      {!known && "Fawkes keeps running the last valid version of the affected pipelines. "}
      {known && kept.length > 0 && `Fawkes keeps running the last valid version of ${nameList(kept)}. `}
      {known &&
        notLoaded.length > 0 &&
        `${nameList(notLoaded)} ${notLoaded.length === 1 ? "has" : "have"} no valid version and ${
          notLoaded.length === 1 ? "is" : "are"
        } not loaded. `}
      <Link href="/config">See config health</Link>
    </div>
  );
}
