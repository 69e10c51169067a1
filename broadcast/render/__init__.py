"""Templates: metadata, typed variables, sandboxed rendering of scripts_vi/*.j2."""

from broadcast.render.library import Rendered, TemplateInfo, TemplateLibrary, load_values_file
from broadcast.render.types import VAR_TYPES, VarSpec, parse_value

__all__ = ["VAR_TYPES", "Rendered", "TemplateInfo", "TemplateLibrary", "VarSpec",
           "load_values_file", "parse_value"]
