// Preloaded (node -r) into the second run of output.test.ts's determinism test: every locale- or
// clock-dependent API answers differently than in the first run (collation reversed, locale formatting
// marked, the clock 400 days ahead), so the two outputs can be equal only if synthesis uses none of them.
// Two real locales alone would not show it: en-US and tr-TR order ASCII file names alike.
const localeCompare = String.prototype.localeCompare;
String.prototype.localeCompare = function reversed(that, ...rest) {
  return -localeCompare.call(this, that, ...rest);
};
const Collator = Intl.Collator;
Intl.Collator = function ReversedCollator(...args) {
  const collator = new Collator(...args);
  return { compare: (a, b) => -collator.compare(a, b), resolvedOptions: () => collator.resolvedOptions() };
};
for (const proto of [Number.prototype, Date.prototype, Array.prototype, Object.prototype]) {
  for (const name of ['toLocaleString', 'toLocaleDateString', 'toLocaleTimeString']) {
    const original = proto[name];
    if (typeof original !== 'function') continue;
    Object.defineProperty(proto, name, {
      configurable: true, writable: true,
      value(...args) { return `[locale-dependent ${original.apply(this, args)}]`; },
    });
  }
}
const RealDate = Date;
const AHEAD = 400 * 24 * 3600 * 1000;
globalThis.Date = class ShiftedDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(RealDate.now() + AHEAD);
    else super(...args);
  }
  static now() {
    return RealDate.now() + AHEAD;
  }
};
