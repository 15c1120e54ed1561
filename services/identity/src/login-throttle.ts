// Guessing passwords at the embedded login page, slowed down before any password is hashed:
//
// - per account: after `accountFailures` wrong passwords in a row the account is locked for
//   `lockS`, doubling with every further failure up to `maxLockS`; a correct password ends it. A
//   name nobody has counts like one that exists, so the answers tell no one which names exist.
// - per client address: `addressFailures` wrong passwords within `addressWindowS` lock the
//   address for `addressWindowS`, whatever names it tries (one address walking through many names).
//
// A refused attempt costs no hash (scrypt takes 128 MiB and ~0.3 s of a core per attempt), so a
// flood of attempts is answered from memory. State is the process's own: a restart forgets it, and
// two processes count apart (docs/auth.md). Both maps are bounded: beyond `maxEntries` the least
// recently failed entries are forgotten first.

export interface LoginThrottleSettings {
  /** wrong passwords in a row before an account is locked (default 5) */
  accountFailures: number;
  /** the first lock of an account, in seconds (default 60); doubles with each further failure */
  lockS: number;
  /** the longest lock of an account (default 900 s) */
  maxLockS: number;
  /** wrong passwords from one address within addressWindowS before it is locked (default 20) */
  addressFailures: number;
  /** the address window and lock, in seconds (default 900) */
  addressWindowS: number;
  /** accounts and addresses remembered each (default 10,000) */
  maxEntries: number;
}

export const defaultLoginThrottle: LoginThrottleSettings = { accountFailures: 5, lockS: 60, maxLockS: 900, addressFailures: 20, addressWindowS: 900, maxEntries: 10_000 };

interface AccountState {
  failures: number;
  lockedUntil: number;
}

interface AddressState {
  /** times of the failures within the window, oldest first */
  failures: number[];
  lockedUntil: number;
}

export class LoginThrottle {
  private readonly settings: LoginThrottleSettings;
  private readonly accounts = new Map<string, AccountState>();
  private readonly addresses = new Map<string, AddressState>();

  constructor(
    settings: Partial<LoginThrottleSettings> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.settings = { ...defaultLoginThrottle, ...settings };
  }

  /** seconds until `username` may be tried from `address` again (rounded up), or 0 when it may be now */
  waitS(address: string, username: string): number {
    const now = this.now();
    const until = Math.max(this.accounts.get(accountKey(username))?.lockedUntil ?? 0, this.addresses.get(address)?.lockedUntil ?? 0);
    return until > now ? Math.ceil((until - now) / 1000) : 0;
  }

  /** a wrong password (or an unknown name): counts for the account and the address */
  failed(address: string, username: string): void {
    const now = this.now();
    const s = this.settings;
    const key = accountKey(username);
    const account = this.accounts.get(key) ?? { failures: 0, lockedUntil: 0 };
    account.failures++;
    if (account.failures >= s.accountFailures) account.lockedUntil = now + Math.min(s.maxLockS, s.lockS * 2 ** (account.failures - s.accountFailures)) * 1000;
    remember(this.accounts, key, account, s.maxEntries);

    const at = this.addresses.get(address) ?? { failures: [], lockedUntil: 0 };
    const windowStart = now - s.addressWindowS * 1000;
    at.failures = [...at.failures.filter((t) => t > windowStart), now].slice(-s.addressFailures);
    if (at.failures.length >= s.addressFailures) at.lockedUntil = now + s.addressWindowS * 1000;
    remember(this.addresses, address, at, s.maxEntries);
  }

  /** a correct password: the account's count starts over (the address keeps its failures) */
  succeeded(username: string): void {
    this.accounts.delete(accountKey(username));
  }
}

/** names are compared as the user store does (exactly), but trimmed and lower-cased here so that "Admin " counts for "admin" */
const accountKey = (username: string) => username.trim().toLowerCase().slice(0, 128);

/** sets `key` as the most recent entry; forgets the least recent ones beyond `max` */
function remember<T>(map: Map<string, T>, key: string, value: T, max: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > max) map.delete(map.keys().next().value!);
}

/** at most `max` at once; at most `queue` more wait (beyond that: Busy); a flood of logins must not take 128 MiB a hash each at once */
export class Gate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly max: number,
    private readonly queue: number,
  ) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.max) {
      if (this.waiting.length >= this.queue) throw new Busy();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else this.running++;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

export class Busy extends Error {
  override readonly name = 'Busy';
  constructor() {
    super('too many sign-ins at once; try again in a few seconds');
  }
}
