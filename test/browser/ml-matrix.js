// The ml-matrix classes forwardprop uses, from the UMD bundle page.html loads (a bundler resolves the package itself).
const { CholeskyDecomposition, Matrix, QrDecomposition } = globalThis.mlMatrix;
export { CholeskyDecomposition, Matrix, QrDecomposition };
