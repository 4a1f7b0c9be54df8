import type { NextConfig } from 'next';

const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  typescript: {
    // The repository type-checks as a whole (`npm run typecheck`); a console build must not fail,
    // or wait, on a sibling part's work in progress.
    ignoreBuildErrors: true,
    // Next rewrites the tsconfig it is given to its own liking; this one extends the shared
    // tsconfig.json, which makes Next leave both files alone.
    tsconfigPath: 'app/tsconfig.next.json',
  },
};

export default config;
