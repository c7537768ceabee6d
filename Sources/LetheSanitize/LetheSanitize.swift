/// The engines that destroy data and verify it is gone.
public enum LetheSanitize {}
