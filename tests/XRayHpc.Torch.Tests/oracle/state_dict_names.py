"""Oracle for the naming test: prints {model: {state_dict key: shape}} for torchvision models (no weights).

usage: state_dict_names.py NUM_CLASSES MODEL [MODEL ...]
"""
import json
import sys

import torchvision


def main():
    num_classes = int(sys.argv[1])
    out = {}
    for name in sys.argv[2:]:
        model = getattr(torchvision.models, name)(num_classes=num_classes)
        out[name] = {k: list(v.shape) for k, v in model.state_dict().items()}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
