"""lakectl's model of a stack: the HCL configuration (``loader``), plans and states (``tfjson``)."""
