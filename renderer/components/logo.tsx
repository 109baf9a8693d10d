// Cairn's mark: three stacked stones.

export function Logo({ size = 22 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" focusable="false" className="logo">
      <ellipse cx="16" cy="26" rx="12" ry="4.2" className="logo-stone logo-stone-1" />
      <ellipse cx="15" cy="17.6" rx="8.6" ry="3.8" className="logo-stone logo-stone-2" />
      <ellipse cx="16.4" cy="9.8" rx="5.4" ry="3.2" className="logo-stone logo-stone-3" />
    </svg>
  );
}
