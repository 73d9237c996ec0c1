/** Bundles the dashboard page (script and stylesheet). */
export declare function buildBrowserBundle(options?: { minify?: boolean }): Promise<{ js: string; css: string; sourcesHash: string; sources: string[] }>
/** Writes the bundle into `src/web/assets.generated.ts`. */
export declare function writeGeneratedAssets(): Promise<{ jsBytes: number; cssBytes: number }>
