// What the HTTP layer hands the service besides bytes: the marker of a body it stopped reading.

/** A body the HTTP layer stopped reading because it exceeded the limit. */
export class OversizedBody {
  constructor(
    readonly limit: number,
    readonly received: number,
  ) {}
}
