"""Checks ONNX files with the onnx package's own checker: the full check (types, opset and IR
version, topological order) and strict shape inference, which must agree with the shapes and
types the file declares. Prints one JSON object: file -> "ok" or the error."""
import json
import sys

import onnx

results = {}
for path in sys.argv[1:]:
    try:
        model = onnx.load(path)
        onnx.checker.check_model(model, full_check=True)
        onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True, data_prop=True)
        results[path] = "ok"
    except Exception as e:  # noqa: BLE001 - every failure is reported to the test
        results[path] = f"{type(e).__name__}: {e}"
print(json.dumps(results))
