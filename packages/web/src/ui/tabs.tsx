import { useRef, type KeyboardEvent } from "react";
import { navigate } from "../router/navigation.ts";

export interface TabItem<K extends string> {
  key: K;
  label: string;
  href: string;
}

/**
 * WAI-ARIA tabs whose selection lives in the URL (so a tab can be linked to): arrow keys, Home and End move
 * between tabs; the panel is rendered by the caller with `tabPanelProps`.
 */
export function Tabs<K extends string>({
  items,
  selected,
  idPrefix,
  label,
}: {
  items: TabItem<K>[];
  selected: K;
  idPrefix: string;
  label: string;
}) {
  const refs = useRef(new Map<K, HTMLButtonElement>());
  const select = (item: TabItem<K>) => navigate(item.href, { replace: true });
  const onKeyDown = (event: KeyboardEvent, index: number) => {
    const last = items.length - 1;
    const target =
      event.key === "ArrowRight"
        ? index === last
          ? 0
          : index + 1
        : event.key === "ArrowLeft"
          ? index === 0
            ? last
            : index - 1
          : event.key === "Home"
            ? 0
            : event.key === "End"
              ? last
              : undefined;
    if (target === undefined) return;
    event.preventDefault();
    const item = items[target];
    if (item === undefined) return;
    select(item);
    refs.current.get(item.key)?.focus();
  };
  return (
    <div className="tabs" role="tablist" aria-label={label}>
      {items.map((item, index) => (
        <button
          key={item.key}
          ref={(element) => {
            if (element === null) refs.current.delete(item.key);
            else refs.current.set(item.key, element);
          }}
          type="button"
          role="tab"
          id={`${idPrefix}-tab-${item.key}`}
          aria-controls={`${idPrefix}-panel`}
          aria-selected={item.key === selected}
          tabIndex={item.key === selected ? 0 : -1}
          className="tab"
          onClick={() => select(item)}
          onKeyDown={(event) => onKeyDown(event, index)}
        >
          {item.label}
        </button>
      ))}
    </div>
  );
}

export function tabPanelProps(idPrefix: string, selected: string) {
  return {
    role: "tabpanel",
    id: `${idPrefix}-panel`,
    "aria-labelledby": `${idPrefix}-tab-${selected}`,
    tabIndex: 0,
    className: "tab-panel",
  } as const;
}
