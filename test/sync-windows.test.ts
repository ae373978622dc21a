import { DEFAULT_ESTATE } from '../lib/config/estate';
import { SyncWindow } from '../lib/config/types';
import { canSync, windowActive } from '../lib/gitops/sync-windows';
import { renderEstate } from '../lib/synth';
import { defaultFiles, estateWith, find } from './helpers/estate';

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

  test('the default estate names the windows and keeps production manual', () => {
    const production = DEFAULT_ESTATE.environments.find((env) => env.name === 'production')!;
    expect(production.gitops.argoSync).toEqual({ mode: 'manual' });
    expect(find(files, 'argocd/application-spire-production-prod-euw1.yaml').spec.syncPolicy.automated).toBeUndefined();
  });
});
