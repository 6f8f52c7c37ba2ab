/** CSV files imported by the page are bundled as text (esbuild's text loader, see bundle.ts). */
declare module "*.csv" {
  const text: string;
  export default text;
}
