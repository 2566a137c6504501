"""withUs: hobby clubs, their boards, real-time chat and notifications."""
