import type { InstanceDto } from "@fawkes/protocol";
import { Link } from "../router/link.tsx";
import { href } from "../router/routes.ts";

/** The stack (linked) and logical id that made an instance, or "None". */
export function InstanceStack({ instance }: { instance: Pick<InstanceDto, "stackName" | "logicalId"> }) {
  if (instance.stackName === null) return <span className="muted">None</span>;
  return (
    <>
      <Link href={href.stack(instance.stackName)}>{instance.stackName}</Link> / {instance.logicalId ?? ""}
    </>
  );
}
