import { type RefCallback, useCallback, useState } from "react";

/** Props for a box that may scroll: spread them on it. */
export interface ScrollableProps {
  ref: RefCallback<HTMLElement>;
  role?: "region";
  tabIndex?: number;
  "aria-label"?: string;
  "aria-labelledby"?: string;
}

/**
 * For a box whose content may be larger than it (a wide table, a long payload): while it is, the box is a
 * named region in the tab order, so the keyboard can reach and scroll it; while it is not, it is no tab
 * stop at all. Checked at once and after every resize of the box or its content.
 */
export function useScrollable(name: { label: string } | { labelledBy: string }): ScrollableProps {
  const [scrolls, setScrolls] = useState(false);
  const ref = useCallback((el: HTMLElement | null) => {
    if (!el) return;
    const check = () =>
      setScrolls(el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1);
    check();
    const observer = new ResizeObserver(check);
    observer.observe(el);
    if (el.firstElementChild) observer.observe(el.firstElementChild);
    return () => observer.disconnect();
  }, []);
  if (!scrolls) return { ref };
  return {
    ref,
    role: "region",
    tabIndex: 0,
    ...("label" in name ? { "aria-label": name.label } : { "aria-labelledby": name.labelledBy }),
  };
}
