"""One module per carrier kind, each declaring ``CARRIER = Carrier(__name__, ...)``.

The module's name is its kind (``flags_compose`` -> ``flags-compose``); registry.load_carriers
imports every module here. Keep top-level imports light: the YAML parser loads inside functions.
"""
