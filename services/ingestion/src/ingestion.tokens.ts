// Injection tokens of the ingestion module: the ports and settings the composition root provides.
export const INGESTION_OPTIONS = Symbol('INGESTION_OPTIONS');
