"""The provider function's code (handler ``index.handler``), shipped so the construct can stage it.

The Lambda runtime imports these modules flat from the asset root; only `contract` is imported through the
package, by the construct (``connect_email_alias._function.contract``). See docs/design.md § Handler.
"""
