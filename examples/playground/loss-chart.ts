/**
 * The loss curve: the mean training loss of each epoch, on a logarithmic scale (the loss falls by
 * orders of magnitude), with the first and last epochs and the extreme losses labelled.
 */
const MARGIN = { left: 52, right: 10, top: 10, bottom: 22 };

export function drawLossChart(ctx: CanvasRenderingContext2D, history: readonly number[]): void {
  const { width, height } = ctx.canvas;
  ctx.clearRect(0, 0, width, height);
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, width, height);
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  ctx.strokeStyle = "#999";
  ctx.lineWidth = 1;
  ctx.strokeRect(MARGIN.left + 0.5, MARGIN.top + 0.5, plotW, plotH);
  ctx.fillStyle = "#555";
  ctx.font = "11px system-ui, sans-serif";
  const finite = history.filter((v) => Number.isFinite(v) && v > 0);
  if (finite.length === 0) {
    ctx.fillText("the loss of each epoch appears here", MARGIN.left + 8, MARGIN.top + 18);
    return;
  }
  let lo = Math.log10(finite.reduce((a, b) => Math.min(a, b)));
  let hi = Math.log10(finite.reduce((a, b) => Math.max(a, b)));
  if (hi - lo < 1e-3) [lo, hi] = [lo - 0.5, hi + 0.5];
  const x = (epoch: number): number => MARGIN.left + (history.length === 1 ? plotW / 2 : (epoch / (history.length - 1)) * plotW);
  const y = (loss: number): number => MARGIN.top + ((hi - Math.log10(loss)) / (hi - lo)) * plotH;

  ctx.textAlign = "right";
  ctx.fillText(format(10 ** hi), MARGIN.left - 4, MARGIN.top + 9);
  ctx.fillText(format(10 ** lo), MARGIN.left - 4, MARGIN.top + plotH);
  ctx.textAlign = "left";
  ctx.fillText("epoch 1", MARGIN.left, height - 6);
  ctx.textAlign = "right";
  ctx.fillText(`${history.length}`, width - MARGIN.right, height - 6);
  ctx.textAlign = "left";

  ctx.strokeStyle = "#0877bd";
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  // About two epochs per pixel at most: a long run is drawn from every stride-th epoch (and the last).
  const stride = Math.max(1, Math.floor(history.length / (2 * plotW)));
  const shown: number[] = [];
  for (let epoch = 0; epoch < history.length; epoch += stride) shown.push(epoch);
  if (shown[shown.length - 1] !== history.length - 1) shown.push(history.length - 1);
  let drawing = false;
  for (const epoch of shown) {
    const loss = history[epoch] as number;
    if (!(Number.isFinite(loss) && loss > 0)) {
      drawing = false;
      continue;
    }
    if (drawing) ctx.lineTo(x(epoch), y(loss));
    else ctx.moveTo(x(epoch), y(loss));
    drawing = true;
  }
  ctx.stroke();
}

function format(v: number): string {
  return v >= 0.01 && v < 1000 ? v.toPrecision(3) : v.toExponential(1);
}
