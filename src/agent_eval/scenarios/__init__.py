"""The roster → scenario datasets (routing and standards): schema, derivation, YAML load/save."""
