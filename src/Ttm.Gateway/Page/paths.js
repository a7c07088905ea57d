// The motion editor: the first frame under its masks; dragging an object with the mouse (or a finger) draws the path it is
// to move along instead of its reviewed motion. Paths are in the uploaded image's pixels, as Continue takes them: 2..16
// points, t from 0 (the first frame) to 1 (the last), the object moved by where the path is against its first point.

const maxPoints = 16;
// TrajectoryPalette.Colours in 8-bit: the background, then object i in colour i + 1.
const palette = [[0, 0, 0], [255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0], [255, 0, 255], [0, 255, 255]];

/** ImageInput.CropBox: the centred part of a sourceWidth × sourceHeight image with the model grid's aspect (width × height). */
function cropBox(sourceWidth, sourceHeight, width, height) {
  const target = width / height, source = sourceWidth / sourceHeight;
  if (source > target) {
    const w = Math.round(sourceHeight * target);
    return { x: Math.floor((sourceWidth - w) / 2), y: 0, w, h: sourceHeight };
  }
  const h = Math.round(sourceWidth / target);
  return { x: 0, y: Math.floor((sourceHeight - h) / 2), w: sourceWidth, h };
}

function decode(url) {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = () => reject(new Error("The picture could not be decoded."));
    image.src = url;
  });
}

/** n points evenly spaced by arc length along the drag (its first and last kept), timed 0..1. */
function resample(points, n) {
  const lengths = [0];
  for (let i = 1; i < points.length; i++) lengths.push(lengths[i - 1] + Math.hypot(points[i].x - points[i - 1].x, points[i].y - points[i - 1].y));
  const total = lengths[lengths.length - 1];
  const out = [];
  for (let k = 0, i = 1; k < n; k++) {
    const at = (total * k) / (n - 1);
    while (i < points.length - 1 && lengths[i] < at) i++;
    const span = lengths[i] - lengths[i - 1], f = span > 0 ? Math.min(1, Math.max(0, (at - lengths[i - 1]) / span)) : 1;
    out.push({ t: k / (n - 1), x: points[i - 1].x + f * (points[i].x - points[i - 1].x), y: points[i - 1].y + f * (points[i].y - points[i - 1].y) });
  }
  return out;
}

/**
 * @param {HTMLCanvasElement} canvas
 * @param {{onChange?: (paths: Map<number, object[]>) => void}} options
 */
export function pathEditor(canvas, { onChange = () => {} } = {}) {
  const context = canvas.getContext("2d");
  const paths = new Map(); // object index → [{t, x, y}] in image pixels
  let frame = null, masks = null, maskData = null, crop = null, objects = [], drag = null;

  /** Image pixels of a pointer event. */
  function at(event) {
    const box = canvas.getBoundingClientRect();
    const x = ((event.clientX - box.left) / box.width) * frame.naturalWidth, y = ((event.clientY - box.top) / box.height) * frame.naturalHeight;
    return { x: Math.min(frame.naturalWidth, Math.max(0, x)), y: Math.min(frame.naturalHeight, Math.max(0, y)) };
  }

  /** The plan object whose mask holds this image pixel, or null (the background). */
  function objectAt({ x, y }) {
    if (!maskData) return null;
    const mx = Math.floor(((x - crop.x) * masks.naturalWidth) / crop.w), my = Math.floor(((y - crop.y) * masks.naturalHeight) / crop.h);
    if (mx < 0 || my < 0 || mx >= masks.naturalWidth || my >= masks.naturalHeight) return null;
    const i = 4 * (my * masks.naturalWidth + mx), rgb = [maskData[i], maskData[i + 1], maskData[i + 2]];
    let best = 0, distance = Infinity;
    palette.forEach((c, k) => {
      const d = Math.hypot(c[0] - rgb[0], c[1] - rgb[1], c[2] - rgb[2]);
      if (d < distance) [best, distance] = [k, d];
    });
    return best > 0 && best <= objects.length ? best - 1 : null;
  }

  function draw() {
    if (!frame) return;
    const sx = canvas.width / frame.naturalWidth, sy = canvas.height / frame.naturalHeight;
    context.clearRect(0, 0, canvas.width, canvas.height);
    context.drawImage(frame, 0, 0, canvas.width, canvas.height);
    if (masks) {
      context.globalAlpha = 0.35;
      context.drawImage(masks, crop.x * sx, crop.y * sy, crop.w * sx, crop.h * sy);
      context.globalAlpha = 1;
    }
    const lines = [...paths.entries()];
    if (drag) lines.push([drag.object, drag.points]);
    for (const [object, points] of lines) {
      const [r, g, b] = palette[object + 1];
      context.strokeStyle = `rgb(${r} ${g} ${b})`;
      context.lineWidth = 3;
      context.beginPath();
      points.forEach((p, i) => (i ? context.lineTo(p.x * sx, p.y * sy) : context.moveTo(p.x * sx, p.y * sy)));
      context.stroke();
      const end = points[points.length - 1];
      context.fillStyle = context.strokeStyle;
      context.beginPath();
      context.arc(end.x * sx, end.y * sy, 5, 0, 2 * Math.PI);
      context.fill();
    }
  }

  canvas.addEventListener("pointerdown", (event) => {
    if (!frame) return;
    const point = at(event), object = objectAt(point);
    if (object === null) return;
    drag = { object, points: [point] };
    canvas.setPointerCapture(event.pointerId);
    event.preventDefault();
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!drag) return;
    const point = at(event), last = drag.points[drag.points.length - 1];
    if (Math.hypot(point.x - last.x, point.y - last.y) >= 1) drag.points.push(point);
    draw();
  });
  const end = () => {
    if (!drag) return;
    const { object, points } = drag;
    drag = null;
    if (points.length >= 2) paths.set(object, resample(points, Math.min(maxPoints, Math.max(2, points.length))));
    draw();
    onChange(paths);
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);

  return {
    /** Shows the first frame (a URL) under its masks (a PNG URL, or null), for these plan objects. */
    async load(imageUrl, masksUrl, planObjects) {
      [frame, masks] = await Promise.all([decode(imageUrl), masksUrl ? decode(masksUrl) : null]);
      objects = planObjects;
      canvas.height = Math.round((canvas.width * frame.naturalHeight) / frame.naturalWidth);
      crop = masks ? cropBox(frame.naturalWidth, frame.naturalHeight, masks.naturalWidth, masks.naturalHeight) : null;
      if (masks) {
        const scratch = document.createElement("canvas");
        [scratch.width, scratch.height] = [masks.naturalWidth, masks.naturalHeight];
        const c = scratch.getContext("2d", { willReadFrequently: true });
        c.drawImage(masks, 0, 0);
        maskData = c.getImageData(0, 0, scratch.width, scratch.height).data;
      } else maskData = null;
      paths.clear();
      draw();
      onChange(paths);
    },
    clear() {
      paths.clear();
      draw();
      onChange(paths);
    },
    /** Continue's paths: [{object, points: [{t, x, y}]}]. */
    request() {
      return [...paths.entries()].map(([object, points]) => ({ object, points }));
    },
  };
}
