export { filterNormalizedDirection } from './directions.js';
export { SurfaceEvaluator, linspace } from './surface.js';
export { type EigenOptions, type Eigenvalue, HessianVectorProduct, centreCurvature, hessianExtremes, powerIteration } from './curvature.js';
export { type Landscape, type LandscapeSpec, computeLandscape } from './landscape.js';
