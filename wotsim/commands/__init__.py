"""The commands beside :mod:`wotsim.cli`: what they share (:mod:`~wotsim.commands.common`) and one
module per newer command (:mod:`~wotsim.commands.discover`).  ``wotsim.cli`` builds the parser and
registers them."""
