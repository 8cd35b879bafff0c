"""The ways a notification leaves CongDan: Firebase Cloud Messaging (Android, and
iOS through FCM's APNs relay), Web Push, and SMS through a brandname gateway.

Every channel takes the same :class:`~notifications.channels.base.Message`, which
carries no personal or health data (a neutral title and the inbox entry's id, the
detail read in the app after login), and answers in the same outcomes
(:mod:`notifications.channels.base`).
"""
