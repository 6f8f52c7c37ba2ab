/**
 * `Expr`, the symbolic tensor users build graphs with. It is defined with the primitive builders
 * its methods call (`./ops.ts`), so that neither module imports the other.
 */
export { Expr, type ExprLike } from "./ops.js";
