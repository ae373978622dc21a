import { SyncWindow } from '../lib/config/types';
import { canSync, scheduleProblem, windowActive } from '../lib/gitops/sync-windows';
import { renderEstate } from '../lib/synth';
import { defaultFiles, estateWith, find, problemsOf } from './helpers/estate';

/** The windows of the rendered AppProject that apply to one Application (Argo CD matches names by glob). */
function windowsFor(files: ReadonlyMap<string, string>, application: string): SyncWindow[] {
  const glob = (pattern: string) => new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return (find(files, 'argocd/appproject-spire.yaml').spec.syncWindows ?? [])
    .filter((window: any) => window.applications.some((pattern: string) => glob(pattern).test(application)))
    .map((window: any) => ({ ...window, manualSync: window.manualSync ?? false }));
}

// Instants in Europe/Berlin (CET, UTC+1, in January).
const WEDNESDAY_OFFICE = new Date('2027-01-06T09:00:00+01:00');
const WEDNESDAY_NIGHT = new Date('2027-01-06T22:00:00+01:00');
const SATURDAY_NOON = new Date('2027-01-09T12:00:00+01:00');
const SUNDAY_LATE = new Date('2027-01-10T23:30:00+01:00');
const MONDAY_EARLY = new Date('2027-01-11T00:30:00+01:00');

describe('the emulation of Argo CD CanSync', () => {
  const allow: SyncWindow = { kind: 'allow', schedule: '0 7 * * 1-5', duration: '4h', timeZone: 'Europe/Berlin', manualSync: false };
  const deny: SyncWindow = { kind: 'deny', schedule: '0 0 * * 6', duration: '48h', timeZone: 'Europe/Berlin', manualSync: false };

  test('a window is active from its scheduled minute for its duration, in its time zone', () => {
    expect(windowActive(allow, new Date('2027-01-06T07:00:30+01:00'))).toBe(true);
    expect(windowActive(allow, new Date('2027-01-06T10:59:00+01:00'))).toBe(true);
    expect(windowActive(allow, new Date('2027-01-06T11:00:30+01:00'))).toBe(false);
    expect(windowActive(allow, new Date('2027-01-06T06:59:00+01:00'))).toBe(false);
    // 07:00 Berlin is 06:00 UTC in winter and 05:00 UTC in summer.
    expect(windowActive(allow, new Date('2027-07-07T05:30:00Z'))).toBe(true);
    expect(windowActive(allow, new Date('2027-01-06T05:30:00Z'))).toBe(false);
    expect(windowActive(deny, SATURDAY_NOON)).toBe(true);
    expect(windowActive(deny, SUNDAY_LATE)).toBe(true);
    expect(windowActive(deny, MONDAY_EARLY)).toBe(false);
  });

  test('as in Argo CD: an active deny blocks unless every active deny allows manual syncs; a closed allow blocks unless every allow does', () => {
    expect(canSync([], SATURDAY_NOON, false)).toBe(true);
    expect(canSync([deny], SATURDAY_NOON, true)).toBe(false);
    expect(canSync([{ ...deny, manualSync: true }], SATURDAY_NOON, true)).toBe(true);
    expect(canSync([{ ...deny, manualSync: true }], SATURDAY_NOON, false)).toBe(false);
    expect(canSync([allow], WEDNESDAY_OFFICE, false)).toBe(true);
    expect(canSync([allow], WEDNESDAY_NIGHT, true)).toBe(false);
    expect(canSync([{ ...allow, manualSync: true }], WEDNESDAY_NIGHT, true)).toBe(true);
    expect(canSync([{ ...allow, manualSync: true }], WEDNESDAY_NIGHT, false)).toBe(false);
    // deny wins over an active allow
    expect(canSync([{ ...allow, schedule: '0 0 * * *', duration: '24h' }, deny], SATURDAY_NOON, false)).toBe(false);
  });
});

/*
 * What Argo CD's schedule parser says of each string: robfig/cron v3 at the version argo-cd's go.mod pins
 * (v3.0.2-0.20210106135023-bc59245fe10e), built as cron.NewParser(cron.Minute | cron.Hour | cron.Dom |
 * cron.Month | cron.Dow), the parser of argo-cd SyncWindow.Validate; the verdicts were recorded by running it.
 */
const ARGO_ACCEPTS = [
  '0 7 * * 1-5', '0 0 * * 6', '*/15 * * * *', '0 7 * * MON-FRI', '0 7 * JAN-MAR sun', '0 7 ? * 1', '5/10 * * * *', '0 0 * * 1-5/2',
  '0 0 1,15 * 1,3', '0 0 * * */7', '0 07 * * 1', '  0 7 * * 1  ', '0\t7\t*\t*\t1', '0 0 * * 0001',
];
const ARGO_REFUSES: [string, RegExp][] = [
  // cron-parser alone would take these: Sunday as 7, a seconds field, descriptors, and its L W # H extensions.
  ['0 0 * * 7', /day of week "7" is above 6/],
  ['0 0 * * 0-7', /day of week "0-7" is above 6/],
  ['0 0 * * 7-7', /above 6/],
  ['0 0 0 * * *', /expected exactly 5 fields .* found 6/],
  ['@daily', /descriptors such as @daily are not accepted/],
  ['@hourly', /descriptors/],
  ['@every 1h', /descriptors/],
  ['0 0 L * *', /day of month field "L" may hold only numbers/],
  ['0 0 * * 5L', /day of week field "5L" may hold only numbers, SUN-SAT/],
  ['0 0 * * 1#2', /day of week field "1#2"/],
  ['0 0 15W * *', /day of month field "15W"/],
  ['H 0 * * *', /minute field "H"/],
  ['0 0 * * LW', /day of week field "LW"/],
  // Both refuse these.
  ['0 24 * * *', /got value 24 expected range 0-23/],
  ['60 0 * * *', /got value 60 expected range 0-59/],
  ['0 0 0 * *', /got value 0 expected range 1-31/],
  ['0 0 * 13 *', /got value 13 expected range 1-12/],
  ['0 0 * *', /expected exactly 5 fields .* found 4/],
  ['', /found 0/],
  ['0 0 * * 5-1', /Invalid range: 5-1/],
  ['*/0 * * * *', /cannot repeat at every 0 time/],
  ['0 0 * * JAN', /day of week field "JAN"/],
  ['jan * * * *', /minute field "jan"/],
  ['1-2-3 * * * *', /Invalid range: 1-2-3/],
  ['0 0 * * MON-', /got range 1-NaN/],
];
/** Argo CD takes these, and the estate refuses them on purpose. */
const REFUSED_HERE: [string, RegExp][] = [
  ['CRON_TZ=UTC 0 0 * * *', /set the window's timeZone instead/],
  ['TZ=Europe/Berlin 0 7 * * 1-5', /set the window's timeZone instead/],
  ['0 0 * * 1,', /Invalid list value format/],
  ['*-5 * * * *', /Invalid wildcard/],
];

describe('schedules are read as Argo CD reads them', () => {
  test.each(ARGO_ACCEPTS)('%j is accepted', (schedule) => {
    expect(scheduleProblem(schedule)).toBeUndefined();
  });

  test.each(ARGO_REFUSES)('%j is refused, as Argo CD refuses it', (schedule, reason) => {
    expect(scheduleProblem(schedule)).toMatch(reason);
  });

  test.each(REFUSED_HERE)('%j is refused, although Argo CD would take it', (schedule, reason) => {
    expect(scheduleProblem(schedule)).toMatch(reason);
  });

  test('names, ? and steps mean what robfig/cron makes of them', () => {
    const weekdays: SyncWindow = { kind: 'allow', schedule: '0 7 ? * MON-FRI/2', duration: '1h', timeZone: 'Europe/Berlin', manualSync: true };
    expect(windowActive(weekdays, new Date('2027-01-06T07:30:00+01:00'))).toBe(true); // Wednesday
    expect(windowActive(weekdays, new Date('2027-01-05T07:30:00+01:00'))).toBe(false); // Tuesday
    // "5/10" is 5-59/10 in robfig/cron.
    const everyTen: SyncWindow = { ...weekdays, schedule: '5/10 * * * *', duration: '1m' };
    expect(windowActive(everyTen, new Date('2027-01-06T07:55:30+01:00'))).toBe(true);
    expect(windowActive(everyTen, new Date('2027-01-06T07:50:30+01:00'))).toBe(false);
  });

  test('day of month and day of week: either may match when both are restricted, and */2 counts as restricted', () => {
    // Verdicts of robfig/cron's Next for "0 0 */2 * 1" from Wednesday 2027-01-06 12:00 UTC: Thu 07, Sat 09, Mon 11, Wed 13.
    const odd: SyncWindow = { kind: 'deny', schedule: '0 0 */2 * 1', duration: '1h', timeZone: 'UTC', manualSync: false };
    expect(windowActive(odd, new Date('2027-01-07T00:30:00Z'))).toBe(true); // an odd day, a Thursday
    expect(windowActive(odd, new Date('2027-01-08T00:30:00Z'))).toBe(false); // an even day, a Friday
    expect(windowActive(odd, new Date('2027-01-11T00:30:00Z'))).toBe(true); // a Monday
    expect(windowActive({ ...odd, schedule: '0 0 * * 1' }, new Date('2027-01-07T00:30:00Z'))).toBe(false);
  });

  test('fails when an estate window has a schedule Argo CD cannot parse', () => {
    const problems = problemsOf(estateWith('production', (env) => ({
      ...env, gitops: { ...env.gitops, syncWindows: env.gitops.syncWindows.map((window) => (window.kind === 'deny' ? { ...window, schedule: '0 0 * * 7' } : window)) },
    })));
    expect(problems).toContainEqual('production: environment "production" gitops.syncWindows[1].schedule: is not a schedule Argo CD parses (robfig/cron, five fields): day of week "7" is above 6 (Sunday is 0), got "0 0 * * 7"; fix: write minute, hour, day of month, month and day of week, like 0 7 * * 1-5');
  });
});

describe('the window set of each environment, as rendered into the AppProject', () => {
  const files = defaultFiles();
  const table: [string, Date, boolean, boolean][] = [
    // [case, instant, manual allowed, automated allowed]
    ['weekday office hours', WEDNESDAY_OFFICE, true, true],
    ['weekday night (an incident)', WEDNESDAY_NIGHT, true, false],
    ['weekend freeze', SATURDAY_NOON, false, false],
    ['late in the freeze', SUNDAY_LATE, false, false],
    ['after the freeze, before the window', MONDAY_EARLY, true, false],
  ];

  test.each(table)('production, %s', (_case, at, manual, automated) => {
    for (const cluster of ['prod-euw1', 'prod-use1']) {
      const windows = windowsFor(files, `spire-production-${cluster}`);
      expect(windows.map((window) => window.kind)).toEqual(['allow', 'deny']);
      expect({ manual: canSync(windows, at, true), automated: canSync(windows, at, false) }).toEqual({ manual, automated });
    }
  });

  test('staging has no windows: every sync is allowed at any time', () => {
    const windows = windowsFor(files, 'spire-staging-stg-euw1');
    expect(windows).toEqual([]);
    for (const [, at] of table) expect(canSync(windows, at, false)).toBe(true);
  });

  test('an incident override committed to the estate lets manual syncs through the freeze, and says why', () => {
    const overridden = renderEstate(estateWith('production', (env) => ({ ...env, gitops: { ...env.gitops, freezeOverride: { reason: 'INC-4711 rotate the upstream CA' } } })));
    const windows = windowsFor(overridden, 'spire-production-prod-euw1');
    expect(canSync(windows, SATURDAY_NOON, true)).toBe(true);
    expect(canSync(windows, SATURDAY_NOON, false)).toBe(false);
    expect(windows.find((window) => window.kind === 'deny')!.description).toBe('incident override: INC-4711 rotate the upstream CA');
  });

  test('fails when a deny window lets manual syncs through without an override (no freeze at all where syncs are manual)', () => {
    const leaky = estateWith('production', (env) => ({
      ...env, gitops: { ...env.gitops, syncWindows: env.gitops.syncWindows.map((window) => ({ ...window, manualSync: true })) },
    }));
    expect(() => renderEstate(leaky)).toThrow(/production: environment "production" gitops.syncWindows\[1\].manualSync: a deny window with manualSync lets every manual sync through/);
  });

  test('fails when an allow window would block manual syncs while it is closed', () => {
    const blocking = estateWith('production', (env) => ({
      ...env, gitops: { ...env.gitops, syncWindows: env.gitops.syncWindows.map((window) => ({ ...window, manualSync: false })) },
    }));
    expect(() => renderEstate(blocking)).toThrow(/gitops.syncWindows\[0\].manualSync: an allow window without manualSync blocks manual syncs whenever it is closed/);
  });

  test('production\'s windows reach the AppProject named, scheduled and zoned as the estate states them', () => {
    for (const cluster of ['prod-euw1', 'prod-use1']) {
      expect(windowsFor(files, `spire-production-${cluster}`).map(({ kind, schedule, duration, timeZone, description }) => ({ kind, schedule, duration, timeZone, description }))).toEqual([
        { kind: 'allow', schedule: '0 7 * * 1-5', duration: '4h', timeZone: 'Europe/Berlin', description: 'weekday change window' },
        { kind: 'deny', schedule: '0 0 * * 6', duration: '48h', timeZone: 'Europe/Berlin', description: 'weekend freeze' },
      ]);
    }
  });
});
