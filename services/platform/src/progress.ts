// Progress of long steps in the terminal: a bar on a TTY, plain lines otherwise (CI logs).
export class Progress {
  private lastPrinted = -1;
  private readonly started = Date.now();

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly out: NodeJS.WriteStream = process.stdout,
  ) {}

  update(done: number, detail = ''): void {
    const pct = this.total === 0 ? 100 : Math.floor((done / this.total) * 100);
    if (this.out.isTTY) {
      const width = 28;
      const filled = Math.round((pct / 100) * width);
      this.out.write(`\r  ${this.label} [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${String(pct).padStart(3)}% ${detail}`.padEnd(100).slice(0, 110));
    } else if (pct >= this.lastPrinted + 25 || pct === 100) {
      this.out.write(`  ${this.label}: ${pct}% ${detail}\n`);
      this.lastPrinted = pct;
    }
  }

  done(summary = ''): void {
    const secs = ((Date.now() - this.started) / 1000).toFixed(1);
    if (this.out.isTTY) this.out.write(`${'\r'.padEnd(110)}\r`);
    this.out.write(`  ✓ ${this.label} ${summary} (${secs} s)\n`);
  }
}

export function step(title: string): void {
  process.stdout.write(`▶ ${title}\n`);
}
