"""autograde as an LTI 1.3 tool: its configuration, keys, launch checks, services and outbox.

Nothing here imports the web framework (the CLI's ``autograde lti`` uses it); the routes are in
:mod:`grader.web.lti`. The JOSE library (joserfc, the ``lti`` extra) is imported only by the modules
that sign or check tokens, so a course without ``[lti]`` needs none of it.
"""
